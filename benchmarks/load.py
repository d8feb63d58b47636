"""A lean HTTP/1.1 load generator and webhook receiver for the benchmarks.

httpx spends more CPU per request than the service it would measure (its connection pool, its
models of requests and responses), on the same two cores; here a request is bytes written on a
kept-alive connection and an answer is what httptools (already uvicorn's parser) reads back, so the
generator's own cost stays small beside the platform's.

Two shapes of load:
- closed loop (`closed_loop`): N connections each sending the next request as soon as the last is
  answered — the highest rate at a concurrency;
- open loop (`open_loop`): requests started on a fixed schedule whatever the answers do, each latency
  counted from the moment it was due (a late start is latency too, so a saturated service cannot hide
  behind a slowed generator).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httptools


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    due: float
    """Wall-clock time (time.time()) the request was due: comparable with the databases' timestamps."""
    latency: float


class _Response:
    """httptools callbacks for one connection: collects the body of the answer being read."""

    def __init__(self) -> None:
        self.body = bytearray()
        self.complete = False

    def on_body(self, body: bytes) -> None:
        self.body += body

    def on_message_complete(self) -> None:
        self.complete = True


IDLE_SECONDS = 2.0
"""How long a kept-alive connection may sit unused before the pool drops it: below uvicorn's own
keep-alive timeout (5 s), so a request is never written on a connection the server is closing."""


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader, self._writer = reader, writer
        self._response = _Response()
        self._parser = httptools.HttpResponseParser(self._response)
        self.used = time.monotonic()

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def send(self, request: bytes) -> tuple[int, bytes]:
        self._writer.write(request)
        response = self._response
        while not response.complete:
            chunk = await self._reader.read(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            self._parser.feed_data(chunk)
        status = self._parser.get_status_code()
        body = bytes(response.body)
        response.body.clear()
        response.complete = False
        self.used = time.monotonic()
        return status, body

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()


def post_json(host: str, port: int, path: str, headers: dict[str, str]) -> Callable[[bytes], bytes]:
    """A function that frames a JSON body as a complete POST request (the fixed part encoded once)."""
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    prefix = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{head}"
              f"Content-Type: application/json\r\nContent-Length: ").encode()

    def frame(body: bytes) -> bytes:
        return prefix + str(len(body)).encode() + b"\r\n\r\n" + body

    return frame


async def closed_loop(host: str, port: int, requests: list[bytes], concurrency: int) -> tuple[float, list[Answer]]:
    """Send `requests` over `concurrency` kept-alive connections; the elapsed seconds and each answer."""
    connections = [await Connection.open(host, port) for _ in range(concurrency)]
    answers: list[Answer] = []
    pending = iter(requests)

    async def worker(connection: Connection) -> None:
        for request in pending:
            due, started = time.time(), time.perf_counter()
            status, body = await connection.send(request)
            answers.append(Answer(status, body, due, time.perf_counter() - started))

    started = time.perf_counter()
    try:
        await asyncio.gather(*(worker(c) for c in connections))
    finally:
        for c in connections:
            await c.close()
    return time.perf_counter() - started, answers


@dataclass
class _Pool:
    host: str
    port: int
    limit: int
    idle: list[Connection] = field(default_factory=list)
    opened: list[Connection] = field(default_factory=list)
    freed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def take(self) -> Connection:
        async with self.freed:
            stale = [c for c in self.idle if time.monotonic() - c.used > IDLE_SECONDS]
            for connection in stale:
                self.idle.remove(connection)
                self.opened.remove(connection)
                await connection.close()
            while not self.idle and len(self.opened) >= self.limit:
                await self.freed.wait()
            if self.idle:
                return self.idle.pop()
        connection = await Connection.open(self.host, self.port)
        self.opened.append(connection)
        return connection

    async def give(self, connection: Connection) -> None:
        async with self.freed:
            self.idle.append(connection)
            self.freed.notify()


async def open_loop(host: str, port: int, request: Callable[[int], bytes], rate: float, seconds: float,
                    max_connections: int = 256) -> list[Answer]:
    """Start request i at `i / rate` seconds whatever came before; answers in the order they came."""
    pool = _Pool(host, port, max_connections)
    answers: list[Answer] = []
    total = int(rate * seconds)
    loop = asyncio.get_running_loop()
    wall, start = time.time(), loop.time()

    async def one(i: int, due: float) -> None:
        connection = await pool.take()
        status, body = await connection.send(request(i))
        answers.append(Answer(status, body, wall + (due - start), loop.time() - due))
        await pool.give(connection)

    tasks = []
    try:
        for i in range(total):
            due = start + i / rate
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)  # the schedule itself, not a wait for an outcome
            tasks.append(asyncio.create_task(one(i, due)))
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        for c in pool.opened:
            await c.close()
    return answers


class _Request:
    """httptools callbacks for one request a webhook receiver reads."""

    def __init__(self, on_complete: Callable[[bytes], None]) -> None:
        self.body = bytearray()
        self._on_complete = on_complete

    def on_body(self, body: bytes) -> None:
        self.body += body

    def on_message_complete(self) -> None:
        self._on_complete(bytes(self.body))
        self.body.clear()


@dataclass
class Receiver:
    """Another system's webhook endpoint: answers 204 at once and notes when each body arrived."""

    received: list[tuple[float, bytes]] = field(default_factory=list)
    _server: asyncio.Server | None = None
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)
    _handlers: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        answers: list[bytes] = []

        def complete(body: bytes) -> None:
            self.received.append((time.time(), body))
            answers.append(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")

        parser = httptools.HttpRequestParser(_Request(complete))
        self._writers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            while chunk := await reader.read(65536):
                parser.feed_data(chunk)
                while answers:
                    writer.write(answers.pop(0))
        except (ConnectionError, httptools.HttpParserError):
            pass
        finally:
            self._writers.discard(writer)
            if task is not None:
                self._handlers.discard(task)
            writer.close()

    async def stop(self) -> None:
        """Stop listening and end the kept-alive connections, so that no handler outlives the receiver."""
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            if self._handlers:
                await asyncio.wait(self._handlers, timeout=5)
            await self._server.wait_closed()
