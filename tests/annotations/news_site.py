"""A stand-in news site on loopback: serves the saved pages in tests/annotations/pages/.

Extra paths misbehave on purpose: a redirect into the private network, a page that never ends,
a page that trickles, a PDF and a 404.
"""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGES = Path(__file__).resolve().parent / "pages"


class NewsSite:
    def __init__(self):
        site = self
        self.requests = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                site.requests.append(self.path)
                path = self.path.split("?", 1)[0]
                if path == "/moved":
                    self._redirect("/harbour")
                elif path == "/to-private":
                    self._redirect("http://10.20.30.40/secret")
                elif path == "/to-loopback":
                    self._redirect("http://127.0.0.1:9/admin")
                elif path == "/endless":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.end_headers()
                    chunk = b"<p>" + b"x" * 65536 + b"</p>"
                    try:
                        for _ in range(10_000):
                            self.wfile.write(chunk)
                    except OSError:
                        pass
                elif path == "/slow":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.end_headers()
                    try:
                        for _ in range(60):
                            self.wfile.write(b"<p>a little more</p>")
                            self.wfile.flush()
                            time.sleep(0.5)
                    except OSError:
                        pass
                elif path == "/report.pdf":
                    self._send(200, b"%PDF-1.4", "application/pdf")
                elif (PAGES / f"{path.strip('/')}.html").is_file():
                    self._send(200, (PAGES / f"{path.strip('/')}.html").read_bytes(), "text/html")
                else:
                    self._send(404, b"not here", "text/plain")

            def _redirect(self, location):
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _send(self, status, body, content_type):
                self.send_response(status)
                self.send_header("Content-Type", f"{content_type}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()
