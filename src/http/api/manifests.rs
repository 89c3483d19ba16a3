//! `POST /api/v1/manifests` (make the day's manifests now), `GET /api/v1/manifests?date=`,
//! `GET /api/v1/manifests/{number}`, its CSV at `/api/v1/manifests/{number}/csv` and its A4
//! PDF at `/api/v1/manifests/{number}/pdf`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiError, Signed};
use crate::delivery::manifests;
use crate::domain::account::Role;
use crate::domain::manifest::{Manifest, to_csv};
use crate::http::AppState;

#[derive(Serialize, ToSchema)]
pub struct ManifestList {
    pub manifests: Vec<ManifestView>,
}

/// A manifest, and where its mail to the courier stands.
#[derive(Serialize, ToSchema)]
pub struct ManifestView {
    #[serde(flatten)]
    pub manifest: Manifest,
    pub mail: Option<crate::store::MailItem>,
}

fn views(state: &AppState, manifests: Vec<Manifest>) -> Result<Vec<ManifestView>, ApiError> {
    manifests
        .into_iter()
        .map(|manifest| {
            let mail = state
                .store
                .mail_item(&manifest.number)
                .map_err(crate::desk::DeskError::from)?;
            Ok(ManifestView { manifest, mail })
        })
        .collect()
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MakeBody {
    /// One route (a kecamatan code); all routes when absent.
    route: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `YYYY-MM-DD`; every day when absent.
    date: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/manifests", tag = "deliveries", request_body = MakeBody, responses((status = 201, description = "The manifests made (none when no card waits); their cards went out", body = ManifestList), (status = 400, description = "Bad input", body = super::doc::ErrorBody), (status = 409, description = "Made by someone else at the same moment", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn make(
    state: web::Data<AppState>,
    signed: Signed,
    body: web::Json<MakeBody>,
) -> Result<HttpResponse, ApiError> {
    let session = signed.require(Role::Officer)?;
    let route = body.into_inner().route.filter(|r| !r.trim().is_empty());
    let made = state
        .make_manifests(route.as_deref(), &session.username)
        .await?;
    Ok(HttpResponse::Created().json(ManifestList {
        manifests: views(&state, made.manifests)?,
    }))
}

#[utoipa::path(get, path = "/api/v1/manifests", tag = "deliveries", params(ListQuery), responses((status = 200, description = "Manifests by number", body = ManifestList), (status = 400, description = "Bad date", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    signed: Signed,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    super::deliveries::require_delivery_role(&signed)?;
    let date = match query.into_inner().date.filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => Some(
            d.parse::<jiff::civil::Date>()
                .map_err(|_| ApiError::BadRequest(format!("bad date {d:?}: YYYY-MM-DD")))?,
        ),
    };
    let found = manifests::list(&state.store, date)?;
    Ok(HttpResponse::Ok().json(ManifestList {
        manifests: views(&state, found)?,
    }))
}

#[utoipa::path(get, path = "/api/v1/manifests/{number}", tag = "deliveries", params(("number" = String, Path, description = "Manifest number")), responses((status = 200, description = "The manifest", body = ManifestView), (status = 404, description = "Not found", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn one(
    state: web::Data<AppState>,
    signed: Signed,
    number: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    super::deliveries::require_delivery_role(&signed)?;
    let manifest = manifests::one(&state.store, &number)?;
    let mut view = views(&state, vec![manifest])?;
    Ok(HttpResponse::Ok().json(view.pop()))
}

#[utoipa::path(get, path = "/api/v1/manifests/{number}/csv", tag = "deliveries", params(("number" = String, Path, description = "Manifest number")), responses((status = 200, description = "The manifest as CSV (UTF-8, header row, totals last)", content_type = "text/csv"), (status = 404, description = "Not found", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn csv(
    state: web::Data<AppState>,
    signed: Signed,
    number: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    super::deliveries::require_delivery_role(&signed)?;
    let manifest = manifests::one(&state.store, &number)?;
    let bytes = to_csv(&manifest)
        .map_err(|e| ApiError::Unavailable(format!("cannot write the CSV: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "content-disposition",
            format!("attachment; filename=\"{}.csv\"", manifest.number),
        ))
        .body(bytes))
}

#[utoipa::path(get, path = "/api/v1/manifests/{number}/pdf", tag = "deliveries", params(("number" = String, Path, description = "Manifest number")), responses((status = 200, description = "The manifest as a printable A4 PDF", content_type = "application/pdf"), (status = 404, description = "Not found", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn pdf(
    state: web::Data<AppState>,
    signed: Signed,
    number: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    super::deliveries::require_delivery_role(&signed)?;
    let manifest = manifests::one(&state.store, &number)?;
    // Laying out a long manifest is CPU work: not on the async workers.
    let bytes = web::block(move || crate::delivery::pdf::render(&manifest).map(|b| (b, manifest)))
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?
        .map_err(|e| ApiError::Unavailable(e.to_string()));
    let (bytes, manifest) = bytes?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            "content-disposition",
            format!("inline; filename=\"{}.pdf\"", manifest.number),
        ))
        .body(bytes))
}
