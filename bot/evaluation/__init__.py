"""`newsdesk eval`: newsdesk measured against the methods a user could pick instead, on the same splits.

The modules are imported where they are used (`bot.evaluation.summaries`, `.answers`, `.arguments`): sumy and
rouge-score pull in NLTK, which no other command should pay for at start-up.
"""
