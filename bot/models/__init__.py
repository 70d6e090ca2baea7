"""Models: the embedded sentence model and answer reader (in ONNX Runtime, exported once from PyTorch), their
training, local generative models, prompts and the files newsdesk ships.

May import `bot.reading`, `bot.settings`, `bot.allocator` and `bot.errors`; never the engines or the newsroom.
"""
