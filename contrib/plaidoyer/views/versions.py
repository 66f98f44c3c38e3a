"""Frozen versions of a plaidoyer: take one, list them, read one, compare two (or one with the document now)."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from contrib.core.errors import ContribError
from contrib.core.permissions import role_required
from contrib.models import Role
from contrib.plaidoyer import diff as diffs
from contrib.plaidoyer import document as documents
from contrib.plaidoyer import exports as plaidoyer_exports
from contrib.plaidoyer import publication
from contrib.plaidoyer import versions as plaidoyer_versions
from contrib.plaidoyer.forms import SnapshotForm
from contrib.plaidoyer.views.blueprint import bp

CURRENT = "actuel"


@bp.post("/<int:plaidoyer_id>/versions")
@role_required(Role.STAFF)
def snapshot(plaidoyer_id):
    form = SnapshotForm()
    if form.validate_on_submit():
        try:
            version = plaidoyer_versions.snapshot(plaidoyer_id, form.label.data, actor=current_user)
        except ContribError as error:
            flash(error.message, "error")
        else:
            flash(f"Version {version.number} « {version.label} » enregistrée.", "success")
            return redirect(url_for(".versions", plaidoyer_id=plaidoyer_id))
    return redirect(url_for(".show", plaidoyer_id=plaidoyer_id))


@bp.get("/<int:plaidoyer_id>/versions")
@role_required(Role.STAFF)
def versions(plaidoyer_id):
    plaidoyer = documents.get(plaidoyer_id)
    return render_template(
        "plaidoyer/versions.html",
        plaidoyer=plaidoyer,
        versions=plaidoyer_versions.versions(plaidoyer.id),
        formats=plaidoyer_exports.FORMATS,
        current=CURRENT,
    )


@bp.get("/<int:plaidoyer_id>/versions/<int:version_id>")
@role_required(Role.STAFF)
def version(plaidoyer_id, version_id):
    plaidoyer = documents.get(plaidoyer_id)
    version = plaidoyer_versions.get_version(plaidoyer.id, version_id)
    earlier = [other for other in plaidoyer_versions.versions(plaidoyer.id) if other.number < version.number]
    return render_template(
        "plaidoyer/version.html",
        plaidoyer=plaidoyer,
        version=version,
        previous=earlier[0] if earlier else None,
        current=CURRENT,
        numbered=publication.numbered(version.content),
        provenance_line=publication.provenance_line,
        cited_text=publication.cited_text,
        formats=plaidoyer_exports.FORMATS,
    )


@bp.get("/<int:plaidoyer_id>/comparaison")
@role_required(Role.STAFF)
def compare(plaidoyer_id):
    plaidoyer = documents.get(plaidoyer_id)
    all_versions = plaidoyer_versions.versions(plaidoyer.id)
    old_value = request.args.get("de") or (str(all_versions[0].id) if all_versions else CURRENT)
    new_value = request.args.get("a") or CURRENT
    old_name, _, old = plaidoyer_versions.compared_side(plaidoyer, old_value)
    _, new_name, new = plaidoyer_versions.compared_side(plaidoyer, new_value)
    return render_template(
        "plaidoyer/compare.html",
        plaidoyer=plaidoyer,
        versions=all_versions,
        current=CURRENT,
        old_value=old_value,
        new_value=new_value,
        old_name=old_name,
        new_name=new_name,
        diff=diffs.diff(old, new),
    )
