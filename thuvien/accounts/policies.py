"""Which role may do what: pure rules, no database."""

from thuvien.accounts.models import Role

# A role implies the permissions of the roles listed for it.
CAN_CATALOGUE = {Role.ADMIN, Role.CATALOGUER}
CAN_VIEW_STAFF = {Role.ADMIN, Role.CATALOGUER, Role.CIRCULATION, Role.VIEWER}
CAN_MANAGE_NETWORK = {Role.ADMIN}

# The management information system (thuvien/reports). Managers and inspectors are scoped like every role:
# granted at the provincial library, they read its whole subtree; they never catalogue.
CAN_READ_REPORTS = {Role.ADMIN, Role.CATALOGUER, Role.CIRCULATION, Role.VIEWER, Role.MANAGER, Role.INSPECTOR}
# Fill in and submit a library's own statistics report, answer its inspections, keep its staff records.
CAN_PREPARE_REPORTS = {Role.ADMIN, Role.CATALOGUER, Role.CIRCULATION}
# Return or approve the reports of libraries strictly below the granted one; set the province's targets.
CAN_REVIEW_REPORTS = {Role.ADMIN, Role.MANAGER}
CAN_SET_TARGETS = {Role.MANAGER}
# Open inspection rounds (managers) and record findings and scores (inspectors and managers).
CAN_OPEN_INSPECTIONS = {Role.MANAGER}
CAN_INSPECT = {Role.MANAGER, Role.INSPECTOR}
