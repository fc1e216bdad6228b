# N-body: the Sun and the four giant planets, integrated with a simple symplectic Euler step.
#
# Pure float arithmetic on a handful of lists: attribute-free inner loops, no allocation.
# Only +, -, *, / and sqrt are used (all correctly rounded in IEEE 754), in a fixed order, so
# every interpreter computes the same bits. Constants are built as float(int) / float(10**k)
# with both operands exact, because not every parser rounds long decimal literals the same way.
import math

META = {
    "category": "float",
    "description": "Simulate the orbits of the Sun and the four giant planets for n time steps.",
    "sizes": {
        "quick": {"n": 2000, "checksum": "-169075164,-169071607"},
        "default": {"n": 3000, "checksum": "-169075164,-169042558"},
        "tiny": {"n": 100, "checksum": "-169075164,-169050762"},
    },
}


def _num(mantissa, exponent):
    # mantissa * 10**-exponent, rounded once.
    return float(mantissa) / float(10 ** exponent)


PI = math.pi
SOLAR_MASS = 4.0 * PI * PI
DAYS_PER_YEAR = _num(36524, 2)


def _planets():
    # (x, y, z, vx, vy, vz, mass); velocities in AU/day, converted to AU/year, masses in Suns.
    raw = [
        # Sun
        (0, 0, 0, 0, 0, 0, 1),
        # Jupiter
        (
            _num(4841431442464721, 15),
            _num(-1160320044027428, 15),
            _num(-1036220444711231, 16),
            _num(1660076642744037, 18),
            _num(7699011184197404, 18),
            _num(-6904600169720630, 20),
            _num(9547919384243266, 19),
        ),
        # Saturn
        (
            _num(8343366718244580, 15),
            _num(4124798564124305, 15),
            _num(-4035234171143214, 16),
            _num(-2767425107268624, 18),
            _num(4998528012349172, 18),
            _num(2304172975737639, 20),
            _num(2858859806661308, 19),
        ),
        # Uranus
        (
            _num(1289436956213913, 14),
            _num(-1511115140169863, 14),
            _num(-2233075788926557, 16),
            _num(2964601375647616, 18),
            _num(2378471739594810, 18),
            _num(-2965895685402376, 20),
            _num(4366244043351563, 20),
        ),
        # Neptune
        (
            _num(1537969711485092, 14),
            _num(-2591931460998796, 14),
            _num(1792587729503712, 16),
            _num(2680677724903893, 18),
            _num(1628241700382423, 18),
            _num(-9515922545197159, 20),
            _num(5151389020466115, 20),
        ),
    ]
    bodies = []
    for x, y, z, vx, vy, vz, m in raw:
        bodies.append(
            [
                float(x),
                float(y),
                float(z),
                vx * DAYS_PER_YEAR,
                vy * DAYS_PER_YEAR,
                vz * DAYS_PER_YEAR,
                m * SOLAR_MASS,
            ]
        )
    return bodies


def _offset_momentum(bodies):
    px = py = pz = 0.0
    for b in bodies:
        px += b[3] * b[6]
        py += b[4] * b[6]
        pz += b[5] * b[6]
    sun = bodies[0]
    sun[3] = -px / SOLAR_MASS
    sun[4] = -py / SOLAR_MASS
    sun[5] = -pz / SOLAR_MASS


def _energy(bodies):
    e = 0.0
    count = len(bodies)
    for i in range(count):
        a = bodies[i]
        e += 0.5 * a[6] * (a[3] * a[3] + a[4] * a[4] + a[5] * a[5])
        for j in range(i + 1, count):
            b = bodies[j]
            dx = a[0] - b[0]
            dy = a[1] - b[1]
            dz = a[2] - b[2]
            e -= a[6] * b[6] / math.sqrt(dx * dx + dy * dy + dz * dz)
    return e


def _advance(pairs, bodies, dt, steps):
    sqrt = math.sqrt
    for _ in range(steps):
        for a, b in pairs:
            dx = a[0] - b[0]
            dy = a[1] - b[1]
            dz = a[2] - b[2]
            d2 = dx * dx + dy * dy + dz * dz
            mag = dt / (d2 * sqrt(d2))
            bm = b[6] * mag
            am = a[6] * mag
            a[3] -= dx * bm
            a[4] -= dy * bm
            a[5] -= dz * bm
            b[3] += dx * am
            b[4] += dy * am
            b[5] += dz * am
        for body in bodies:
            body[0] += dt * body[3]
            body[1] += dt * body[4]
            body[2] += dt * body[5]


def setup(n):
    return n


def run(n):
    # Every iteration starts from the same initial state, so every iteration returns the same.
    bodies = _planets()
    _offset_momentum(bodies)
    pairs = []
    for i in range(len(bodies)):
        for j in range(i + 1, len(bodies)):
            pairs.append((bodies[i], bodies[j]))
    before = _energy(bodies)
    _advance(pairs, bodies, 0.01, n)
    after = _energy(bodies)
    return "%d,%d" % (int(round(before * 1e9)), int(round(after * 1e9)))
