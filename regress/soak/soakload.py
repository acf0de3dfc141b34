"""soakload.py - the soak's traffic: sessions of every kind in turn,
paced to a total rate, each message carrying "X-Soak-Id: N" so that its
arrival (Maildir, sink, or inside a bounce) can be matched with the 250
that accepted it.

Kinds (KINDS, one session each):
  local      port 25 in clear, two messages to soak@bench.example
             (aliased to the Maildir of bench), RSET between them
  relay      port 25 in clear, to sink@relay.example (MX: the sink)
  tls-local  STARTTLS on port 25, then as local (one message)
  tls-relay  STARTTLS on port 25, then as relay
  auth       port 587: STARTTLS, AUTH with a wrong password (must get
             535), then the right one (235), then a relayed message;
             from one of AUTH_ADDRS addresses of 127.1.0.0/16 in turn,
             so that no address reaches the daemon's limit of failed
             AUTH (5 in 300 s) at the default rate
  temp       to temp@relay.example: the sink answers 451 (deferred, and
             bounced when the queue's ttl runs out)
  perm       to perm@relay.example: the sink answers 550 (bounced)
Every sender is soak@bench.example, so bounces come back to the Maildir.
"""
import smtplib
import ssl
import threading
import time

KINDS = ("local", "relay", "tls-local", "tls-relay", "auth", "local",
         "relay", "temp", "perm")
RCPT = {"local": "soak@bench.example", "relay": "sink@relay.example",
        "temp": "temp@relay.example", "perm": "perm@relay.example"}
SENDER = "soak@bench.example"
USER, PASS = "soak", "right-pass"
AUTH_ADDRS = 200


class Load:
    """The counters and the accepted messages of one soak run."""

    def __init__(self, kinds=None, host="127.0.0.1"):
        self.host, self.kinds = host, tuple(kinds or KINDS)
        self.lock = threading.Lock()
        self.next_id = 0
        self.auth_n = 0
        self.accepted = {}      # id -> kind of every message answered 250
        self.counts = {"sessions": 0, "failed_sessions": 0,
                       "refused": 0, "auth_refused": 0, "auth_ok": 0,
                       "auth_wrong": 0}
        self.errors = []        # the first few reasons sessions failed
        self.stop = threading.Event()

    def count(self, key, n=1):
        """count - add n to a counter"""
        with self.lock:
            self.counts[key] += n

    def new_id(self):
        """new_id - the next message number"""
        with self.lock:
            self.next_id += 1
            return self.next_id

    def send(self, s, kind, rcpt):
        """send - one message on session s; True when answered 250"""
        i = self.new_id()
        body = ("From: <%s>\r\nTo: <%s>\r\nSubject: soak %d\r\n"
                "X-Soak-Id: %d\r\n\r\nsoak message %d (%s)\r\n" %
                (SENDER, rcpt, i, i, i, kind))
        try:
            s.sendmail(SENDER, [rcpt], body)
        except smtplib.SMTPRecipientsRefused:
            self.count("refused")
            return False
        except smtplib.SMTPResponseException:
            self.count("refused")
            return False
        with self.lock:
            self.accepted[i] = kind
        return True

    def auth(self, s):
        """auth - a wrong password (535 wanted), then the right one"""
        try:
            s.login(USER, "wrong-pass")
            self.count("auth_wrong")
        except smtplib.SMTPAuthenticationError:
            self.count("auth_refused")
        s.login(USER, PASS)
        self.count("auth_ok")

    def source(self, kind):
        """source - the address a session comes from (None: any)"""
        if kind != "auth":
            return None
        with self.lock:
            self.auth_n += 1
            n = self.auth_n % AUTH_ADDRS
        return ("127.1.%d.%d" % (n // 250, n % 250 + 1), 0)

    def session(self, kind):
        """session - one session of the given kind"""
        port = 587 if kind == "auth" else 25
        with smtplib.SMTP(self.host, port, "client.soak.example",
                          timeout=60,
                          source_address=self.source(kind)) as s:
            s.ehlo()
            if kind.startswith("tls-") or kind == "auth":
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                s.starttls(context=ctx)
                s.ehlo()
            if kind == "auth":
                self.auth(s)
            base = kind.replace("tls-", "")
            rcpt = RCPT.get(base, RCPT["relay"])
            self.send(s, kind, rcpt)
            if kind == "local":
                s.rset()
                self.send(s, kind, rcpt)

    def worker(self, n, rate):
        """worker - sessions in turn, n-th of the workers, until stop;
        rate is this worker's sessions per second"""
        k, t_next = n, time.monotonic()
        while not self.stop.is_set():
            kind = self.kinds[k % len(self.kinds)]
            k += 1
            self.count("sessions")
            try:
                self.session(kind)
            except (OSError, smtplib.SMTPException) as e:
                self.count("failed_sessions")
                with self.lock:
                    if len(self.errors) < 20:
                        self.errors.append("%s: %s" % (kind, e))
            t_next = max(t_next + 1.0 / rate, time.monotonic() - 1)
            self.stop.wait(max(0.0, t_next - time.monotonic()))

    def start(self, workers, rate):
        """start - the worker threads, rate sessions/s in all"""
        self.threads = [threading.Thread(target=self.worker,
                                         args=(n, rate / workers),
                                         daemon=True)
                        for n in range(workers)]
        for t in self.threads:
            t.start()

    def finish(self):
        """finish - stop the workers and wait for their sessions"""
        self.stop.set()
        for t in self.threads:
            t.join(90)
