#!/usr/bin/env python3
"""nonblock.py CONVERTER LEGACY-IN EXPECTED-OUT GUEST

Run the converter the way libxl does (descriptor numbers), but with both
descriptors non-blocking, the input arriving in small slow pieces and the
output pipe left full for a while; the output must still be EXPECTED-OUT.
"""
import fcntl
import os
import subprocess
import sys
import threading
import time

conv, leg, expected, guest = sys.argv[1:5]
data = open(leg, "rb").read()
r_in, w_in = os.pipe()
r_out, w_out = os.pipe()
for fd in (r_in, w_out):
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
proc = subprocess.Popen([conv, "--in", str(r_in), "--out", str(w_out),
                         "--width", "64", "--guest", guest, "--format", "libxl"],
                        pass_fds=(r_in, w_out))
os.close(r_in)
os.close(w_out)


def feed():
    for i in range(0, len(data), 65536):
        os.write(w_in, data[i:i + 65536])
        time.sleep(0.0005)
    os.close(w_in)


t = threading.Thread(target=feed)
t.start()
time.sleep(0.3)
chunks = []
while True:
    b = os.read(r_out, 1 << 20)
    if not b:
        break
    chunks.append(b)
t.join()
rc = proc.wait()
same = b"".join(chunks) == open(expected, "rb").read()
print("exit %d, output %s" % (rc, "identical" if same else "DIFFERENT"))
sys.exit(0 if rc == 0 and same else 1)
