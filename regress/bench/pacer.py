"""pacer.py - an SMTP sender that can keep a fixed rate: n messages over
a few sessions (each a new connection every PER_CONN messages), message
i due at start + i / rate (rate 0: as fast as the server takes them).
Every message carries "X-Bench-Id: I"; the wall clock time of the 250
that accepted it is recorded, so that latency.py can match it with the
message's arrival.
"""
import asyncio
import time

PER_CONN = 50


def message(i, rcpt, size):
    """message - message i, dot-stuffed, ending in the final dot"""
    head = ("From: <sender@client.bench.example>\r\nTo: <%s>\r\n"
            "Subject: bench %d\r\nX-Bench-Id: %d\r\n\r\n" % (rcpt, i, i))
    line = "x" * 76 + "\r\n"
    body = line * max(1, (size - len(head)) // len(line))
    return (head + body + ".\r\n").encode()


async def reply(reader):
    """reply - the code of the next whole reply"""
    line = await reader.readline()
    while line[3:4] == b"-":
        line = await reader.readline()
    if not line:
        raise ConnectionError("connection closed")
    return line[:3]


async def command(reader, writer, data, want):
    """command - send data, check the reply's code"""
    if data:
        writer.write(data)
    got = await reply(reader)
    if got != want:
        raise ConnectionError("%r answered %r" % (data[:20], got))


async def connect(job):
    """connect - a new connection through its greeting and EHLO"""
    reader, writer = await asyncio.open_connection(job["host"], job["port"])
    await command(reader, writer, None, b"220")
    await command(reader, writer, b"EHLO client.bench.example\r\n", b"250")
    return reader, writer


async def session(job, state):
    """session - one client sending the next due message until there is
    none left, on a new connection every PER_CONN messages (servers
    limit the messages of a session)"""
    reader, writer, sent = None, None, 0
    while state["next"] < job["n"]:
        i = state["next"]
        state["next"] += 1
        if job["rate"]:
            due = state["t0"] + i / job["rate"]
            await asyncio.sleep(max(0, due - time.monotonic()))
        if sent % PER_CONN == 0:
            if writer:
                writer.write(b"QUIT\r\n")
                writer.close()
            reader, writer = await connect(job)
        await command(reader, writer, b"MAIL FROM:<sender@client.bench."
                      b"example>\r\n", b"250")
        await command(reader, writer, b"RCPT TO:<%s>\r\n" %
                      job["rcpt"].encode(), b"250")
        await command(reader, writer, b"DATA\r\n", b"354")
        await command(reader, writer, message(i, job["rcpt"], job["size"]),
                      b"250")
        state["accepted"][i] = time.time()
        sent += 1
    if writer:
        writer.write(b"QUIT\r\n")
        writer.close()


async def run(job):
    """run - all sessions of one job, for at most job["timeout"] seconds;
    the state they leave"""
    state = {"next": 0, "t0": time.monotonic(), "accepted": {}}
    task = asyncio.gather(*(session(job, state)
                            for _ in range(job["sessions"])),
                          return_exceptions=True)
    try:
        res = await asyncio.wait_for(task, job["timeout"])
    except asyncio.TimeoutError:
        res = [TimeoutError("time-out after %d s" % job["timeout"])]
    state["errors"] = [str(r) for r in res if isinstance(r, Exception)]
    return state


def send(n, sessions, rcpt, size, rate=0, host="127.0.0.1", port=25,
         timeout=120):
    """send - n messages over sessions connections, paced at rate
    messages per second (0: unpaced), within timeout seconds; (accepted
    {id: time of the 250}, seconds it took, errors)"""
    job = {"n": n, "sessions": sessions, "rcpt": rcpt, "size": size,
           "rate": rate, "host": host, "port": port, "timeout": timeout}
    t0 = time.monotonic()
    state = asyncio.run(run(job))
    return state["accepted"], time.monotonic() - t0, state["errors"]
