"""The library: where editorials, their sentence vectors, conversations and digest runs are kept (the store, its
SQLite and PostgreSQL databases, the schema and its migrations, the ledger of feeds and digests, the library index).

May import `bot.reading` (the `Editorial` it stores), `bot.summary`, `bot.answer`, `bot.allocator` and `bot.errors`;
nothing from the models, engines or newsroom.
"""
