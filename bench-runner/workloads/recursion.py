# Recursion: many small recursive calls, kept shallow (depth below 100) so that interpreters
# with a small fixed C stack (MicroPython) run the same code.
#
# Naive Fibonacci, Ackermann's function for m = 2, the towers of Hanoi, and binary trees built
# as nested tuples and walked recursively.

META = {
    "category": "recursion",
    "description": "Naive Fibonacci, Ackermann(2, k), towers of Hanoi and binary trees, scaled by n.",
    "sizes": {
        "quick": {"n": 18, "checksum": "2584,1536,16383,0/3643/1825/1818/0/3643/3636/1818/0,32764,196608"},
        "default": {"n": 19, "checksum": "4181,3200,32767,0/3643/7287/7279/0/3643/3636/7279/0,65528,393216"},
        "tiny": {"n": 12, "checksum": "144,3,255,0/58/31/27/0/58/54/27/0,508,1536"},
    },
}


def _fib(k):
    if k < 2:
        return k
    return _fib(k - 1) + _fib(k - 2)


def _ackermann(m, k):
    if m == 0:
        return k + 1
    if k == 0:
        return _ackermann(m - 1, 1)
    return _ackermann(m - 1, _ackermann(m, k - 1))


def _hanoi(disks, source, target, spare, moves):
    if disks == 0:
        return 0
    count = _hanoi(disks - 1, source, spare, target, moves)
    moves[source * 3 + target] += 1
    return count + 1 + _hanoi(disks - 1, spare, target, source, moves)


def _tree(depth):
    if depth == 0:
        return (None, None)
    return (_tree(depth - 1), _tree(depth - 1))


def _nodes(tree):
    left, right = tree
    if left is None:
        return 1
    return 1 + _nodes(left) + _nodes(right)


def _leaf_depths(tree, depth):
    left, right = tree
    if left is None:
        return depth
    return _leaf_depths(left, depth + 1) + _leaf_depths(right, depth + 1)


def setup(n):
    return n


def run(n):
    fib = _fib(n)
    # Ackermann(2, k) = 2k + 3 recurses about 2k deep, so k stays below 24.
    ack = 0
    for k in range(2 ** (n - 12)):
        ack += _ackermann(2, k % 24)
    moves = [0] * 9
    hanoi = _hanoi(n - 4, 0, 2, 1, moves)
    # Trees of at most 2**13 nodes (MicroPython's heap is 2 MB); more of them as n grows.
    depth = min(n - 6, 12)
    nodes = 0
    depths = 0
    for _ in range(4 * 2 ** (n - 6 - depth)):
        tree = _tree(depth)
        nodes += _nodes(tree)
        depths += _leaf_depths(tree, 0)
    return "%d,%d,%d,%s,%d,%d" % (fib, ack, hanoi, "/".join([str(m) for m in moves]), nodes, depths)
