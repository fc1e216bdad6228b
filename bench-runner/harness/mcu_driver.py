import gc, time
gc.collect()
_wb = gc.mem_free()
_wt = _wb + gc.mem_alloc()
_ws = setup(__N__)
_wi = []
for _ in range(__ITERATIONS__):
    gc.collect()
    time.sleep_ms(7)
    _wa = time.ticks_us()
    _wr = run(_ws)
    _wi.append(time.ticks_diff(time.ticks_us(), _wa))
print('WPY', _wb, _wt, gc.mem_free(), ','.join([str(_w) for _w in _wi]), _wr)
