"""Transactions with retries now live in `domain.shared.transaction` (every area uses
them); these names remain importable from here for the areas that still do."""

from domain.shared.transaction import is_transient, isolates_transactions, run_in_transaction

__all__ = ["is_transient", "isolates_transactions", "run_in_transaction"]
