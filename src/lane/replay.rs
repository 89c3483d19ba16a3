//! `loket replay`: every conversation rebuilt from the inbound journal through the engine.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::{
    decide::{decide_batch, handed_over},
    inputs::{input_of, synthetic_input},
    photos::RecordedVerdicts,
};
use crate::{
    domain::request::{RequestNumber, RequestSummary},
    flow::{Context, Conversation, Effect, FlowSet},
    store::Store,
};

/// The outcome of replaying the lane log through the engine.
#[derive(Debug, Default)]
pub struct ReplayReport {
    pub batches: usize,
    pub conversations: usize,
    pub identical: usize,
    pub differing: Vec<crate::store::ContactId>,
    /// Stored conversations with no log left: quiet longer than `LOKET_LOG_RETENTION_DAYS`,
    /// their journal and lane log were compacted, so there is nothing to replay them from.
    pub past_horizon: usize,
    pub rebuilt: BTreeMap<crate::store::ContactId, Conversation>,
    /// Batches decided by other versions of the flows (version → batches): a difference in
    /// their conversations may be a flow edit, not a bug.
    pub other_flows: BTreeMap<String, usize>,
}

/// Rebuilds every conversation from the inbound journal: each logged batch's messages are read
/// back from the journal and stepped through the engine with the clock, sequence and photo
/// verdicts it had; open requests come from the replayed requests themselves.
pub fn replay(flows: &FlowSet, store: &Store) -> anyhow::Result<ReplayReport> {
    let mut report = ReplayReport::default();
    let mut open: BTreeMap<(String, String), RequestNumber> = BTreeMap::new();
    let mut requests: BTreeMap<crate::store::ContactId, Vec<RequestSummary>> = BTreeMap::new();
    for entry in store.lane_log() {
        let (_, entry) = entry?;
        report.batches += 1;
        if entry.handed_over {
            let state = report.rebuilt.remove(&entry.contact).unwrap_or_default();
            let now = Timestamp::from_millisecond(entry.now_ms)?;
            report
                .rebuilt
                .insert(entry.contact, handed_over(state, now));
            continue;
        }
        let mut inputs = Vec::new();
        for wamid in &entry.wamids {
            let Some(body) = store.journal_body_of(wamid)? else {
                anyhow::bail!("message {wamid} is missing from the journal");
            };
            let parsed = crate::channel::webhook::parse(&body)?;
            let Some(message) = parsed.events.into_iter().find_map(|e| match e {
                crate::domain::event::Event::Message(m) if m.id == *wamid => Some(m),
                _ => None,
            }) else {
                anyhow::bail!("message {wamid} is not in its journal entry");
            };
            let media = match message.kind.media_to_fetch() {
                Some(attachment) => store.media_record(&attachment.id)?,
                None => None,
            };
            inputs.extend(input_of(&message, media.as_ref()));
        }
        inputs.extend(entry.synthetic.iter().filter_map(synthetic_input));
        if let Some(version) = &entry.flows_version
            && *version != flows.version
        {
            *report.other_flows.entry(version.clone()).or_default() += 1;
        }
        let state = report.rebuilt.remove(&entry.contact).unwrap_or_default();
        let summaries = requests.get(&entry.contact).cloned().unwrap_or_default();
        let contact = store.contact(entry.contact)?;
        let business_number = contact.as_ref().and_then(|c| c.business_number.clone());
        let window = contact
            .and_then(|c| c.window_closes_at())
            .and_then(|s| Timestamp::from_second(s).ok());
        let now = Timestamp::from_millisecond(entry.now_ms)?;
        let ctx = Context {
            now,
            window_open_until: window,
            next_sequence: entry.next_sequence,
            requests: &summaries,
            open_requests: &open,
            business_number: business_number.as_deref(),
        };
        let decided = decide_batch(
            flows,
            state,
            inputs,
            &ctx,
            &mut RecordedVerdicts(entry.verdicts.clone().into_iter()),
        );
        for effect in &decided.effects {
            if let Effect::FileRequest(filed) = effect {
                if let Some(nik) = &filed.subject.nik {
                    open.insert(
                        (filed.service.clone(), nik.as_str().to_string()),
                        filed.number.clone(),
                    );
                }
                requests
                    .entry(entry.contact)
                    .or_default()
                    .insert(0, filed.summary());
            }
        }
        report.rebuilt.insert(entry.contact, decided.state);
    }
    for (contact, stored) in store.conversations()? {
        report.conversations += 1;
        let Some(rebuilt) = report.rebuilt.get(&contact) else {
            report.past_horizon += 1;
            continue;
        };
        if *rebuilt == stored {
            report.identical += 1;
        } else {
            report.differing.push(contact);
        }
    }
    Ok(report)
}
