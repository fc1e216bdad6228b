# Richards: a small operating-system task scheduler, after Martin Richards' classic benchmark.
#
# Six tasks (an idle task, a worker, two packet handlers and two device drivers) pass packets to
# each other through a priority scheduler. Nearly all the time goes to method calls, attribute
# reads and writes and short linked-list walks: the object-oriented part of the suite.
# The idle task runs n times; the checksum is the number of packets queued and of holds,
# which for n = 10000 are the well-known 23246 and 9297 of the original benchmark.

META = {
    "category": "oop",
    "description": "Run a Richards-style task scheduler with six tasks passing packets, n idle ticks.",
    "sizes": {
        "quick": {"n": 2000, "checksum": "4576,1829"},
        "default": {"n": 3000, "checksum": "6910,2763"},
        "tiny": {"n": 100, "checksum": "239,95"},
    },
}

IDLE = 0
WORKER = 1
HANDLER_A = 2
HANDLER_B = 3
DEVICE_A = 4
DEVICE_B = 5
TASK_COUNT = 6

KIND_DEVICE = 0
KIND_WORK = 1

BUFFER_SIZE = 4


class Packet(object):
    def __init__(self, link, destination, kind):
        self.link = link
        self.destination = destination
        self.kind = kind
        self.datum = 0
        self.data = [0] * BUFFER_SIZE

    def append_to(self, queue):
        """Put this packet at the end of queue (a packet or None); return the new head."""
        self.link = None
        if queue is None:
            return self
        last = queue
        while last.link is not None:
            last = last.link
        last.link = self
        return queue


class Task(object):
    def __init__(self, system, ident, priority, queue):
        self.system = system
        self.ident = ident
        self.priority = priority
        self.queue = queue
        self.next_task = None
        # Three flags describe the state, as in the original.
        self.pending = queue is not None
        self.waiting = False
        self.held = False

    def blocked(self):
        return self.held or (self.waiting and not self.pending)

    def take_packet(self):
        """The packet to hand to step(): the head of the queue if the task was waiting for one."""
        if self.pending and self.waiting and not self.held:
            packet = self.queue
            self.queue = packet.link
            self.pending = self.queue is not None
            self.waiting = False
            return packet
        return None

    def receive(self, packet, sender):
        """Queue packet; return the task that runs next (self if it outranks the sender)."""
        if self.queue is None:
            self.queue = packet
            self.pending = True
            if self.priority > sender.priority:
                return self
        else:
            self.queue = packet.append_to(self.queue)
        return sender

    def step(self, packet):
        raise NotImplementedError


class IdleTask(Task):
    def __init__(self, system, ident, priority, queue, ticks):
        Task.__init__(self, system, ident, priority, queue)
        self.register = 1
        self.ticks = ticks

    def step(self, packet):
        system = self.system
        self.ticks -= 1
        if self.ticks == 0:
            return system.hold_current()
        if self.register & 1:
            self.register = (self.register >> 1) ^ 0xD008
            return system.release(DEVICE_B)
        self.register = self.register >> 1
        return system.release(DEVICE_A)


class WorkerTask(Task):
    def __init__(self, system, ident, priority, queue):
        Task.__init__(self, system, ident, priority, queue)
        self.target = HANDLER_A
        self.letter = 0

    def step(self, packet):
        system = self.system
        if packet is None:
            return system.wait_current()
        if self.target == HANDLER_A:
            self.target = HANDLER_B
        else:
            self.target = HANDLER_A
        packet.destination = self.target
        packet.datum = 0
        data = packet.data
        for i in range(BUFFER_SIZE):
            self.letter += 1
            if self.letter > 26:
                self.letter = 1
            data[i] = self.letter
        return system.send(packet)


class HandlerTask(Task):
    def __init__(self, system, ident, priority, queue):
        Task.__init__(self, system, ident, priority, queue)
        self.work = None
        self.devices = None

    def step(self, packet):
        system = self.system
        if packet is not None:
            if packet.kind == KIND_WORK:
                self.work = packet.append_to(self.work)
            else:
                self.devices = packet.append_to(self.devices)
        work = self.work
        if work is not None:
            position = work.datum
            if position >= BUFFER_SIZE:
                self.work = work.link
                return system.send(work)
            device = self.devices
            if device is not None:
                self.devices = device.link
                device.datum = work.data[position]
                work.datum = position + 1
                return system.send(device)
        return system.wait_current()


class DeviceTask(Task):
    def __init__(self, system, ident, priority, queue):
        Task.__init__(self, system, ident, priority, queue)
        self.parked = None

    def step(self, packet):
        system = self.system
        if packet is None:
            parked = self.parked
            if parked is None:
                return system.wait_current()
            self.parked = None
            return system.send(parked)
        self.parked = packet
        return system.hold_current()


class System(object):
    def __init__(self, ticks):
        self.tasks = [None] * TASK_COUNT
        self.first = None
        self.current = None
        self.sent = 0
        self.holds = 0
        self._add(IdleTask(self, IDLE, 0, None, ticks))

        work = Packet(None, 0, KIND_WORK)
        work = Packet(work, 0, KIND_WORK)
        worker = WorkerTask(self, WORKER, 1000, work)
        worker.waiting = True
        self._add(worker)

        for ident, priority, device in ((HANDLER_A, 2000, DEVICE_A), (HANDLER_B, 3000, DEVICE_B)):
            queue = None
            for _ in range(3):
                queue = Packet(queue, device, KIND_DEVICE)
            handler = HandlerTask(self, ident, priority, queue)
            handler.waiting = True
            self._add(handler)

        for ident, priority in ((DEVICE_A, 4000), (DEVICE_B, 5000)):
            device = DeviceTask(self, ident, priority, None)
            device.waiting = True
            self._add(device)

    def _add(self, task):
        # Tasks are added in rising priority, so prepending keeps the list highest first.
        task.next_task = self.first
        self.first = task
        self.tasks[task.ident] = task

    def wait_current(self):
        self.current.waiting = True
        return self.current

    def hold_current(self):
        self.holds += 1
        self.current.held = True
        return self.current.next_task

    def release(self, ident):
        task = self.tasks[ident]
        task.held = False
        if task.priority > self.current.priority:
            return task
        return self.current

    def send(self, packet):
        target = self.tasks[packet.destination]
        self.sent += 1
        packet.link = None
        packet.destination = self.current.ident
        return target.receive(packet, self.current)

    def schedule(self):
        task = self.first
        while task is not None:
            if task.blocked():
                task = task.next_task
            else:
                self.current = task
                task = task.step(task.take_packet())


def setup(n):
    return n


def run(n):
    system = System(n)
    system.schedule()
    return "%d,%d" % (system.sent, system.holds)
