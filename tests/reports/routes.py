"""Report routes in the permission matrix (see tests/permission_world.py)."""
from tests.permission_world import ALL_STAFF, OFFICE, Route

ROUTES = {
    "reports.dashboard": Route(lambda w: "/", allowed=ALL_STAFF),
    "reports.breakdown_xlsx": Route(lambda w: "/reports/breakdown/region.xlsx",
                                    allowed=ALL_STAFF),
    "reports.expiring": Route(lambda w: "/reports/expiring?within=90", allowed=OFFICE),
    "reports.expiring_export": Route(lambda w: "/reports/expiring.csv?within=90",
                                     allowed=OFFICE),
}
