"""Endpoints as PROTOCOL.md §1 writes them: tcp://HOST:PORT, tcp://[v6]:PORT, unix:///absolute/path (shm:///path is
the same Unix socket: this client reads shared-memory frames on any Unix socket, §15)."""

import errno
import os
import stat
import socket

UNIX_SOCKET_BUFFER = 4 * 1024 * 1024  # what the reference programs use: fewer, larger copies on one host


def parse(endpoint):
    """(family, address) for socket.socket and connect/bind."""
    if endpoint.startswith(("unix://", "shm://")):
        path = endpoint.partition("://")[2]
        if not path.startswith("/"):
            raise ValueError(f"{endpoint!r}: a unix endpoint needs an absolute path, e.g. unix:///tmp/frames.sock")
        return socket.AF_UNIX, path
    if endpoint.startswith("tcp://"):
        rest = endpoint[len("tcp://"):]
        if rest.startswith("["):
            host, sep, port = rest[1:].partition("]:")
            family = socket.AF_INET6
        else:
            host, sep, port = rest.rpartition(":")
            family = socket.AF_INET
        if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError(f"{endpoint!r}: expected tcp://HOST:PORT or tcp://[IPv6]:PORT")
        return family, (host, int(port))
    raise ValueError(f"{endpoint!r}: expected tcp://HOST:PORT or unix:///path")


def tune(sock):
    """Unix sockets get 4 MiB buffers; TCP gets TCP_NODELAY so small messages (PONG, ACK, END) leave at once."""
    if sock.family == socket.AF_UNIX:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, UNIX_SOCKET_BUFFER)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UNIX_SOCKET_BUFFER)
    else:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def listen(endpoint, backlog=16):
    """A listening socket. A stale Unix socket file (nobody accepting on it) is replaced."""
    family, address = parse(endpoint)
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if family == socket.AF_UNIX:
            _remove_stale(address)
        else:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise OSError(error.errno, f"cannot listen on {endpoint}: the address is in use (another process is listening on it)") from None
        if error.errno == errno.EADDRNOTAVAIL:
            raise OSError(error.errno, f"cannot listen on {endpoint}: no interface of this machine has that address") from None
        raise
    except BaseException:
        sock.close()
        raise
    return sock


def connect(endpoint, timeout):
    family, address = parse(endpoint)
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(address)
    except BaseException:
        sock.close()
        raise
    tune(sock)
    return sock


def _remove_stale(path):
    """A socket file left by a receiver that crashed is removed. Anything else at the path is the user's (a typo must
    not delete a file): refused with the file untouched, as is a socket someone accepts on."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        kind = ("a regular file" if stat.S_ISREG(mode) else "a folder" if stat.S_ISDIR(mode) else
                "a symbolic link" if stat.S_ISLNK(mode) else "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "not a socket")
        raise OSError(f"{path} is {kind}, not a socket; it was left untouched: listen on another path")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except (ConnectionRefusedError, FileNotFoundError):
        os.unlink(path)
        return
    finally:
        probe.close()
    raise OSError(errno.EADDRINUSE, f"cannot listen on unix://{path}: it is in use (another process is listening on it)")
