//! The language a parent reads: Indonesian first, English on request.

use serde::{Deserialize, Serialize};

/// The language a conversation is in. Indonesian first; English on request (`bahasa`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Id,
    En,
}
