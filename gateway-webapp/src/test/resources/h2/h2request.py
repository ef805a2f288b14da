#!/usr/bin/python3
"""One HTTP/2 request with whatever pseudo-headers and headers the test asks for, sent as written (the h2
library's validation and normalisation off: what a browser would never send), over h2c with prior knowledge or
over TLS with ALPN h2. Prints one JSON object: the response's status, headers and body, or how the stream or
connection ended.

  h2request.py PORT [--tls SNI CAFILE] [--header NAME VALUE]... [--body TEXT]
"""
import json
import socket
import ssl
import sys

import h2.config
import h2.connection
import h2.events


def main(argv):
    port = int(argv[1])
    headers, body, tls = [], None, None
    i = 2
    while i < len(argv):
        if argv[i] == "--tls":
            tls = (argv[i + 1], argv[i + 2])
            i += 3
        elif argv[i] == "--header":
            headers.append((argv[i + 1], argv[i + 2]))
            i += 3
        elif argv[i] == "--body":
            body = argv[i + 1].encode()
            i += 2
        else:
            raise SystemExit("unknown argument " + argv[i])
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    if tls:
        context = ssl.create_default_context(cafile=tls[1])
        context.set_alpn_protocols(["h2"])
        sock = context.wrap_socket(sock, server_hostname=tls[0])
    config = h2.config.H2Configuration(client_side=True, header_encoding="utf-8",
                                       validate_outbound_headers=False, normalize_outbound_headers=False,
                                       validate_inbound_headers=False)
    conn = h2.connection.H2Connection(config=config)
    conn.initiate_connection()
    conn.send_headers(1, headers, end_stream=body is None)
    if body is not None:
        conn.send_data(1, body, end_stream=True)
    sock.sendall(conn.data_to_send())
    answer = {"status": None, "headers": {}, "body": "", "reset": None, "goaway": None}
    done = False
    while not done:
        try:
            data = sock.recv(65535)
        except socket.timeout:
            answer["timeout"] = True
            break
        if not data:
            answer["closed"] = True
            break
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived):
                for name, value in event.headers:
                    if name == ":status":
                        answer["status"] = int(value)
                    else:
                        answer["headers"].setdefault(name, []).append(value)
            elif isinstance(event, h2.events.DataReceived):
                answer["body"] += event.data.decode("utf-8", "replace")
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                done = True
            elif isinstance(event, h2.events.StreamReset):
                answer["reset"] = event.error_code
                done = True
            elif isinstance(event, h2.events.ConnectionTerminated):
                answer["goaway"] = event.error_code
                done = True
        try:
            sock.sendall(conn.data_to_send())
        except OSError:  # the server closed first (after its GOAWAY): what it answered is already read
            answer["closed"] = True
            break
    print(json.dumps(answer))


if __name__ == "__main__":
    main(sys.argv)
