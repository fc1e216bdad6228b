# Generators and closures: lazy pipelines of generator functions, generator expressions,
# `yield from`, `send()`, and closures that capture and update their enclosing scope.
#
# Every value is an integer and every stage is pure Python, so the time goes to creating and
# resuming frames and to calls through closures.

META = {
    "category": "generators",
    "description": "Stream n integers through generator pipelines, coroutines and closures.",
    "sizes": {
        "quick": {"n": 10000, "checksum": "771531747,4596112,4996,63936,1269692,10195610,10000,2001,4002,6003,8004,10005"},
        "default": {"n": 15000, "checksum": "1167732183,6873869,7469,64306,1914086,15343821,15000,3001,6002,9003,12004,15005"},
        "tiny": {"n": 500, "checksum": "40431030,226346,242,63223,66230,496734,500,101,202,303,404,505"},
    },
}


def _numbers(count):
    x = 1
    for _ in range(count):
        x = (x * 75 + 74) % 65537
        yield x


def _only(predicate, source):
    for value in source:
        if predicate(value):
            yield value


def _mapped(function, source):
    for value in source:
        yield function(value)


def _pairs(source):
    # Consecutive pairs: (a, b), (b, c), ...
    previous = None
    first = True
    for value in source:
        if not first:
            yield previous, value
        previous = value
        first = False


def _chained(count):
    yield from _numbers(count // 2)
    yield from _mapped(lambda v: v + 1, _numbers(count - count // 2))


def _running_total():
    # A coroutine: send() numbers in, get the running total back.
    total = 0
    while True:
        value = yield total
        total += value


def _make_counter(step):
    count = 0

    def bump():
        nonlocal count
        count += step
        return count

    return bump


def _make_scaler(factor):
    def scale(value):
        return value * factor

    return scale


def setup(n):
    return n


def run(n):
    # A four-stage pipeline with a closure as the predicate and another as the map.
    threshold = 30000
    scale = _make_scaler(3)
    piped = _mapped(scale, _only(lambda v: v > threshold, _numbers(n)))
    pipe_sum = 0
    for value in piped:
        pipe_sum += value

    # Generator expressions and built-ins that consume them.
    squares = sum(v * v % 1000 for v in _numbers(n))
    odd = sum(1 for v in _numbers(n) if v & 1)
    biggest = max(b - a for a, b in _pairs(_numbers(n)))

    # yield from.
    chained = 0
    for value in _chained(n):
        chained += value & 0xFF

    # A coroutine driven by send().
    acc = _running_total()
    next(acc)
    last = 0
    for value in _numbers(n // 2):
        last = acc.send(value & 0xFFF)
    acc.close()

    # Closures with nonlocal state.
    counters = [_make_counter(k) for k in range(1, 6)]
    bumped = 0
    for i in range(n):
        bumped = counters[i % 5]()
    states = [c() for c in counters]

    return "%d,%d,%d,%d,%d,%d,%d,%s" % (
        pipe_sum,
        squares,
        odd,
        biggest,
        chained,
        last,
        bumped,
        ",".join([str(s) for s in states]),
    )
