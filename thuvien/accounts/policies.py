"""Which role may do what: pure rules, no database."""

from thuvien.accounts.models import Role

# A role implies the permissions of the roles listed for it.
CAN_CATALOGUE = {Role.ADMIN, Role.CATALOGUER}
CAN_VIEW_STAFF = {Role.ADMIN, Role.CATALOGUER, Role.CIRCULATION, Role.VIEWER}
CAN_MANAGE_NETWORK = {Role.ADMIN}
