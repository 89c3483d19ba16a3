//! Making the day's manifests: per route, the cards waiting at the office (which go out with
//! it: each parent gets their code) and the cards out for a second attempt. Each manifest is
//! filed once with its lines frozen, so it prints the same bytes every time.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;

use super::{DeskError, Result};
use crate::domain::contact::ContactId;
use crate::domain::delivery::{DeliveryAction, DeliveryKind, DeliveryTask, TaskState};
use crate::domain::event::SyntheticInput;
use crate::domain::manifest::{Manifest, ManifestLine};
use crate::store::Store;

/// What the office's settings give a manifest.
pub struct Office<'a> {
    pub name: &'a str,
    /// Kecamatan names by code.
    pub kecamatan: &'a [(String, String)],
}

impl Office<'_> {
    fn route_name(&self, route: &str) -> String {
        self.kecamatan
            .iter()
            .find(|(code, _)| code == route)
            .map_or_else(
                || match route {
                    "kantor" => "Kantor Disdukcapil".to_string(),
                    other => other.to_string(),
                },
                |(_, name)| name.clone(),
            )
    }
}

/// Manifests made, and the parents' lanes to wake (their cards went out).
#[derive(Debug, Default)]
pub struct Made {
    pub manifests: Vec<Manifest>,
    pub lanes: Vec<ContactId>,
}

/// Makes `date`'s manifests for one route or all: one per route with cards not yet on a
/// manifest of that day. Cards at the office go out with it (queued to their parents' lanes);
/// couriers' cards out since an earlier day come again.
pub fn make(
    store: &Store,
    office: &Office<'_>,
    route: Option<&str>,
    date: Date,
    who: &str,
    now: Timestamp,
) -> Result<Made> {
    let existing = store.manifests()?;
    let on_today: Vec<&Manifest> = existing.iter().filter(|m| m.date == date).collect();
    let listed_today = |number: &str| {
        on_today
            .iter()
            .any(|m| m.lines.iter().any(|l| l.number == number))
    };
    let mut routes: BTreeMap<(String, DeliveryKindKey), Vec<(DeliveryTask, bool)>> =
        BTreeMap::new();
    for task in store.delivery_tasks()? {
        if route.is_some_and(|r| r != task.route) || listed_today(&task.number) {
            continue;
        }
        let again = match &task.state {
            TaskState::Waiting => false,
            TaskState::Out { .. } if task.kind == DeliveryKind::Courier => true,
            _ => continue,
        };
        routes
            .entry((task.route.clone(), DeliveryKindKey(task.kind)))
            .or_default()
            .push((task, again));
    }
    let mut made = Made::default();
    for ((route, kind), mut tasks) in routes {
        // The courier's order: by kelurahan, then street, then request.
        tasks.sort_by(|(a, _), (b, _)| {
            let key = |t: &DeliveryTask| {
                t.address
                    .as_ref()
                    .map(|a| (a.kelurahan.clone(), a.street.clone()))
            };
            (key(a), &a.number).cmp(&(key(b), &b.number))
        });
        let nth = on_today.iter().filter(|m| m.route == route).count() as u32 + 1;
        let manifest = Manifest {
            number: Manifest::number_for(date, &route, nth),
            kind: kind.0,
            route_name: office.route_name(&route),
            route,
            date,
            office: office.name.to_string(),
            lines: tasks
                .iter()
                .enumerate()
                .map(|(i, (task, again))| ManifestLine::of(i as u32 + 1, task, *again))
                .collect(),
            made_by: who.to_string(),
        };
        if !store.put_manifest(&manifest)? {
            return Err(DeskError::Conflict(format!(
                "manifest {} was just made by someone else: list them again",
                manifest.number
            )));
        }
        store.queue_manifest_mail(&manifest.number, now.as_millisecond())?;
        for (task, again) in &tasks {
            if *again {
                continue;
            }
            let Some(contact) = task.contact else {
                continue;
            };
            store.queue_synthetic(
                contact,
                SyntheticInput::Delivery {
                    id: format!("dispatch-{}", manifest.number),
                    number: task.number.clone(),
                    action: DeliveryAction::Dispatch {
                        manifest: Some(manifest.number.clone()),
                    },
                    by: who.to_string(),
                    at: now,
                    notice: None,
                },
            )?;
            made.lanes.push(contact);
        }
        tracing::info!(manifest = %manifest.number, cards = manifest.lines.len(), "manifest made");
        made.manifests.push(manifest);
    }
    made.lanes.sort_unstable();
    made.lanes.dedup();
    Ok(made)
}

/// Sorts courier routes before collection lists of the same code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DeliveryKindKey(DeliveryKind);

impl PartialOrd for DeliveryKindKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DeliveryKindKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let rank = |k: DeliveryKind| match k {
            DeliveryKind::Courier => 0,
            DeliveryKind::Collection => 1,
        };
        rank(self.0).cmp(&rank(other.0))
    }
}

/// Manifests of a day (all days when `None`), by number.
pub fn list(store: &Store, date: Option<Date>) -> Result<Vec<Manifest>> {
    Ok(store
        .manifests()?
        .into_iter()
        .filter(|m| date.is_none_or(|d| m.date == d))
        .collect())
}

pub fn one(store: &Store, number: &str) -> Result<Manifest> {
    store
        .manifest(number)?
        .ok_or(DeskError::NotFound("manifest"))
}
