"""Review-queue routes in the permission matrix: office only - but reporting a problem from a
verification page, and following the report, which anyone may."""
from tests.permission_world import OFFICE, Route

ROUTES = {
    "reviews.index": Route(lambda w: "/reviews/", allowed=OFFICE),
    "reviews.show": Route(lambda w: f"/reviews/{w.extra['review_item'].id}", allowed=OFFICE,
                          scoped=True),
    "reviews.export": Route(lambda w: "/reviews/cases.csv?status=all", allowed=OFFICE),
    "reviews.appeal": Route(lambda w: f"/reviews/appeal?registration={w.registration.id}",
                            allowed=OFFICE, scoped=True),
    # The public side: anyone reports a problem and follows it by its reference.
    "cases.report_problem": Route(
        lambda w: f"/v/{w.extra['certificate'].public_code}/report", public=True),
    "cases.status": Route(lambda w: f"/cases/{w.extra['problem_report'].reference}",
                          public=True),
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
    from registry.reviews.services import report_problem

    world.extra["problem_report"] = report_problem(
        world.extra["certificate"], problem="paper_differs", statement="for the matrix")
    db.session.commit()
