"""What tests and benches stand up around newsdesk, in one importable place: the loopback Slack and Discord that stand
in for their APIs, a real PostgreSQL server and llama.cpp's server started on loopback, the Slack adapter rigged in
HTTP mode, and the shared helpers (the seed, a loopback web server, a PDF maker, a chat helper)."""
