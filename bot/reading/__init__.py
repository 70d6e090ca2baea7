"""Reading: text, files and links turned into an `Editorial` (cleaning, sentences, documents, the fetcher and its
address guard, parsers contained in a child process, ingest).

The lowest room: it imports only the standard library, its libraries (trafilatura, pypdf, pysbd, urllib3) and
`bot.errors`.
"""
