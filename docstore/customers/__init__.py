"""Customers (客户): register, personal data sealed, consent, transactions and last activity.

The front door of this area: cli/ and other areas import from here, not from its modules."""

from .activity import (add_transaction, aware, import_transactions, last_activities,
                       list_transactions)
from .register import (ConsentMissing, add_customer, check_consent, get_customer, list_customers,
                       record_consent, seal, show_customer, unseal, update_customer)

__all__ = [
    "ConsentMissing", "add_customer", "add_transaction", "aware", "check_consent",
    "get_customer", "import_transactions", "last_activities", "list_customers",
    "list_transactions", "record_consent", "seal", "show_customer", "unseal", "update_customer",
]
