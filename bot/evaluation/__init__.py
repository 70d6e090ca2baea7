"""`newsdesk eval`: newsdesk measured against the methods a user could pick instead, on the same splits."""

from bot.evaluation.answers import evaluate_answers
from bot.evaluation.arguments import evaluate_arguments
from bot.evaluation.summaries import evaluate_summaries

__all__ = ["evaluate_answers", "evaluate_arguments", "evaluate_summaries"]
