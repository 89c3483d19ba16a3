//! `GET /api/v1/deliveries` (the tasks, by route), `GET /api/v1/deliveries/{number}`, and
//! `POST /api/v1/deliveries/{number}/steps`: a dispatch, a hand-over against the family's
//! code, a failed attempt, a new code, an unlock. Couriers, officers and supervisors.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiError, Signed};
use crate::delivery::tasks::{self, TaskFilter};
use crate::domain::account::Role;
use crate::domain::delivery::{
    ActionOutcome, DeliveryAction, DeliveryKind, DeliveryTask, FailReason, TaskState,
};
use crate::domain::request::{Address, RequestStatus};
use crate::domain::rupiah::Rupiah;
use crate::http::AppState;

/// A delivery task as couriers and officers read it: never the code's hash.
#[derive(Serialize, ToSchema)]
pub struct DeliveryView {
    pub number: String,
    pub kind: DeliveryKind,
    /// `waiting`, `out`, `held`, `delivered`, `returned`.
    pub state: String,
    /// The request's status.
    pub status: Option<RequestStatus>,
    pub route: String,
    /// Where a card for collection (or a held card) waits.
    pub place: Option<String>,
    pub name: String,
    /// The child's NIK, masked to its last 4 digits.
    pub nik: Option<String>,
    pub phone: Option<String>,
    pub address: Option<Address>,
    pub cod: Rupiah,
    pub manifest: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub held_until: Option<jiff::civil::Date>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<jiff::Timestamp>,
    pub delivered_by: Option<String>,
    pub failed_attempts: u32,
    pub wrong_codes: u32,
    pub locked: bool,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub code_issued_at: Option<jiff::Timestamp>,
    pub steps: Vec<StepView>,
}

#[derive(Serialize, ToSchema)]
pub struct StepView {
    pub id: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: jiff::Timestamp,
    pub by: String,
    /// `dispatch`, `resend_code`, `hand_over`, `failed`, `hold_ended`, `unlock`.
    pub action: String,
    pub reason: Option<FailReason>,
    pub note: Option<String>,
    pub outcome: ActionOutcome,
}

impl DeliveryView {
    pub fn of(task: &DeliveryTask, status: Option<RequestStatus>) -> DeliveryView {
        let (manifest, held_until, place, delivered_at, delivered_by) = match &task.state {
            TaskState::Out { manifest, .. } => {
                (manifest.clone(), None, task.place.clone(), None, None)
            }
            TaskState::Held { until, place, .. } => {
                (None, Some(*until), Some(place.clone()), None, None)
            }
            TaskState::Delivered { at, by } => {
                (None, None, task.place.clone(), Some(*at), Some(by.clone()))
            }
            _ => (None, None, task.place.clone(), None, None),
        };
        DeliveryView {
            number: task.number.clone(),
            kind: task.kind,
            state: task.state.id().to_string(),
            status,
            route: task.route.clone(),
            place,
            name: task.name.clone(),
            nik: task.nik_last4.as_ref().map(|l| format!("************{l}")),
            phone: task.phone.clone(),
            address: task.address.clone(),
            cod: task.cod,
            manifest,
            held_until,
            delivered_at,
            delivered_by,
            failed_attempts: task.failed_attempts(),
            wrong_codes: task.wrong_codes,
            locked: task.locked,
            code_issued_at: task.code.as_ref().map(|c| c.issued_at),
            steps: task
                .actions
                .iter()
                .map(|a| StepView {
                    id: a.id.clone(),
                    at: a.at,
                    by: a.by.clone(),
                    action: a.action.id().to_string(),
                    reason: match &a.action {
                        DeliveryAction::Failed { reason, .. } => Some(*reason),
                        _ => None,
                    },
                    note: match &a.action {
                        DeliveryAction::Failed { note, .. } => note.clone(),
                        _ => None,
                    },
                    outcome: a.outcome.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryList {
    pub deliveries: Vec<DeliveryView>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// A route (kecamatan code).
    route: Option<String>,
    /// `waiting`, `out`, `held`, `delivered`, `returned`.
    state: Option<String>,
    /// `courier` or `collection`.
    kind: Option<String>,
}

fn view(state: &AppState, task: &DeliveryTask) -> Result<DeliveryView, ApiError> {
    let status = state
        .store
        .request(&task.number)
        .map_err(crate::desk::DeskError::from)?
        .map(|r| r.summary.status);
    Ok(DeliveryView::of(task, status))
}

#[utoipa::path(get, path = "/api/v1/deliveries", tag = "deliveries", params(ListQuery), responses((status = 200, description = "Tasks by route", body = DeliveryList), (status = 400, description = "Bad filter", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    signed: Signed,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    require_delivery_role(&signed)?;
    let query = query.into_inner();
    let kind = match query.kind.as_deref().filter(|k| !k.is_empty()) {
        None => None,
        Some("courier") => Some(DeliveryKind::Courier),
        Some("collection") => Some(DeliveryKind::Collection),
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "unknown kind {other:?}: courier or collection"
            )));
        }
    };
    let filter = TaskFilter {
        route: query.route.filter(|r| !r.is_empty()),
        state: query.state.filter(|s| !s.is_empty()),
        kind,
    };
    let found = tasks::list(&state.store, &filter)?;
    let deliveries = found
        .iter()
        .map(|t| view(&state, t))
        .collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(DeliveryList { deliveries }))
}

#[utoipa::path(get, path = "/api/v1/deliveries/{number}", tag = "deliveries", params(("number" = String, Path, description = "Request number")), responses((status = 200, description = "The task", body = DeliveryView), (status = 404, description = "Not found", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn one(
    state: web::Data<AppState>,
    signed: Signed,
    number: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    require_delivery_role(&signed)?;
    let task = tasks::one(&state.store, &number)?;
    Ok(HttpResponse::Ok().json(view(&state, &task)?))
}

/// Couriers, officers and supervisors.
pub(super) fn require_delivery_role(signed: &Signed) -> Result<(), ApiError> {
    if signed.session.role.includes(Role::Courier) || signed.session.role.includes(Role::Officer) {
        Ok(())
    } else {
        Err(crate::desk::DeskError::Forbidden {
            needed: Role::Courier,
        }
        .into())
    }
}

/// One step. `id` makes a retry harmless: the same id is the same step.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepBody {
    /// `dispatch`, `resend_code`, `hand_over`, `failed`, `unlock`.
    action: String,
    /// 8 to 64 letters, digits, `-` or `_`; drawn by the server when absent.
    id: Option<String>,
    /// For `hand_over`: the 6-digit code the family gives.
    code: Option<String>,
    /// For `failed`: `not_home`, `address_not_found`, `recipient_unknown`, `refused`,
    /// `no_cash`, `other`.
    reason: Option<String>,
    /// For `failed`: what happened (needed with `other`).
    note: Option<String>,
}

#[cfg(fuzzing)]
pub(super) fn fuzz(body: &[u8]) {
    if let Ok(step) = serde_json::from_slice::<StepBody>(body) {
        let _ = step.action();
    }
}

impl StepBody {
    fn action(self) -> Result<(DeliveryAction, Option<String>), ApiError> {
        let action = match self.action.as_str() {
            "dispatch" => DeliveryAction::Dispatch { manifest: None },
            "resend_code" => DeliveryAction::ResendCode,
            "unlock" => DeliveryAction::Unlock,
            "hand_over" => DeliveryAction::HandOver {
                code: self
                    .code
                    .ok_or_else(|| ApiError::BadRequest("hand_over needs the code".into()))?,
            },
            "failed" => {
                let reason = self
                    .reason
                    .as_deref()
                    .ok_or_else(|| ApiError::BadRequest("failed needs a reason".into()))?;
                DeliveryAction::Failed {
                    reason: FailReason::parse(reason).ok_or_else(|| {
                        ApiError::BadRequest(format!("unknown reason {reason:?}"))
                    })?,
                    note: self
                        .note
                        .map(|n| n.trim().chars().take(500).collect::<String>())
                        .filter(|n| !n.is_empty()),
                }
            }
            other => {
                return Err(ApiError::BadRequest(format!(
                    "unknown action {other:?}: dispatch, resend_code, hand_over, failed or unlock"
                )));
            }
        };
        Ok((action, self.id))
    }
}

/// A step taken (200) or still queued to the parent's lane (202).
#[derive(Serialize, ToSchema)]
pub struct StepOutcome {
    pub number: String,
    pub id: String,
    /// Absent while queued.
    pub outcome: Option<ActionOutcome>,
    pub delivery: Option<DeliveryView>,
}

#[utoipa::path(post, path = "/api/v1/deliveries/{number}/steps", tag = "deliveries", params(("number" = String, Path, description = "Request number")), request_body = StepBody, responses((status = 200, description = "Taken", body = StepOutcome), (status = 202, description = "Queued", body = StepOutcome), (status = 400, description = "Bad input", body = super::doc::ErrorBody), (status = 404, description = "Not found", body = super::doc::ErrorBody), (status = 409, description = "Does not apply now (or locked)", body = super::doc::ErrorBody), (status = 422, description = "Wrong code (`wrong_code`) or locked by it (`locked`)", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn step(
    state: web::Data<AppState>,
    signed: Signed,
    number: web::Path<String>,
    body: web::Json<StepBody>,
) -> Result<HttpResponse, ApiError> {
    let (action, id) = body.into_inner().action()?;
    let queued = tasks::act(
        &state.store,
        &signed.session,
        &number,
        action,
        id,
        &state.flows.settings.delivery,
        super::now(),
    )?;
    let taken = state
        .settle_delivery(&queued, std::time::Duration::from_secs(3))
        .await?;
    let Some((action, task)) = taken else {
        return Ok(HttpResponse::Accepted().json(StepOutcome {
            number: queued.number,
            id: queued.id,
            outcome: None,
            delivery: None,
        }));
    };
    match &action.outcome {
        ActionOutcome::WrongCode { tries_left } => Err(ApiError::Refused {
            code: "wrong_code",
            message: format!("wrong hand-over code: {tries_left} tries left"),
        }),
        ActionOutcome::Locked => Err(ApiError::Refused {
            code: "locked",
            message: "too many wrong codes: the task is locked until a supervisor unlocks it"
                .into(),
        }),
        ActionOutcome::Refused { why } => Err(ApiError::Conflict(why.clone())),
        ActionOutcome::Done => Ok(HttpResponse::Ok().json(StepOutcome {
            number: queued.number,
            id: queued.id,
            outcome: Some(action.outcome.clone()),
            delivery: Some(view(&state, &task)?),
        })),
    }
}
