"""Review-queue routes in the permission matrix: office only."""
from tests.permission_world import OFFICE, Route

ROUTES = {
    "reviews.index": Route(lambda w: "/reviews/", allowed=OFFICE),
    "reviews.show": Route(lambda w: f"/reviews/{w.extra['review_item'].id}", allowed=OFFICE, scoped=True),
}


def setup(world):
    from registry.extensions import db
    from registry.reviews.models import ReviewItem

    item = ReviewItem(kind="record_corrected", status="open", seminar_id=world.seminar.id,
                      registration_id=world.registration.id, summary="for the matrix",
                      details={"corrections": []})
    db.session.add(item)
    db.session.commit()
    world.extra["review_item"] = item
