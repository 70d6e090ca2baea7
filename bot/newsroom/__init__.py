"""The newsroom: the desk that adapters hand requests to, the commands it routes them to, mentions, the replies'
text, digests, feeds and the inbox, and schedules.

The top room of the core: it may import every other room of `bot`; nothing in `bot` imports it but `bot.app` and
`bot.cli`, which compose it.
"""
