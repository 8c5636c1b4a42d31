"""Customers (客户): register, personal data sealed, consent, transactions and last activity.

The front door of this area: cli/ and other areas import from here, not from its modules."""

from .activity import (add_transaction, aware, import_transactions, last_activities,
                       list_transactions)
from .register import (ConsentMissing, add_customer, check_consent, get_customer, list_customers,
                       record_consent, seal, show_customer, unseal, update_customer)

from ..aliases import resolve, resolve_id
from .duplicates import DuplicatePair, find_duplicates, name_key
from .importing import CustomerImport, import_customers
from .merge import MergeResult, merge_customers
from .regions import fill_regions, province
from .review import (ReviewDue, collection_method, due_for_review, review_customer,
                     reviews_due)

__all__ = [
    "CustomerImport", "DuplicatePair", "MergeResult", "ReviewDue", "collection_method",
    "due_for_review", "fill_regions", "find_duplicates", "import_customers", "merge_customers", "name_key", "province",
    "resolve", "resolve_id", "review_customer", "reviews_due",
    "ConsentMissing", "add_customer", "add_transaction", "aware", "check_consent",
    "get_customer", "import_transactions", "last_activities", "list_customers",
    "list_transactions", "record_consent", "seal", "show_customer", "unseal", "update_customer",
]
