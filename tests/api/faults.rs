//! A bug in the conversation costs one parent a hand-over to an officer, never a stuck lane,
//! and never a lost message.

use std::{sync::Arc, time::Duration};

use loket::{
    domain::event::MessageKind,
    flow::FlowSet,
    lane::{Batch, Conversations, Decision, FlowConversations},
    store::Store,
};
use serde_json::json;

use crate::helpers::*;

/// The real conversation, with a bug: it panics on the text "boom".
struct PanicsOnBoom(FlowConversations);

impl Conversations for PanicsOnBoom {
    fn decide(&self, batch: Batch<'_>, store: &Store) -> anyhow::Result<Decision> {
        let boom = batch
            .arrivals
            .iter()
            .any(|a| matches!(&a.message.kind, MessageKind::Text { body } if body == "boom"));
        assert!(!boom, "a bug in the conversation");
        self.0.decide(batch, store)
    }

    fn hand_over(&self, batch: Batch<'_>) -> Decision {
        self.0.hand_over(batch)
    }
}

fn flows() -> FlowSet {
    loket::bundle::load_flows(None).unwrap()
}

#[tokio::test]
async fn a_batch_the_conversation_keeps_failing_on_goes_to_an_officer() {
    let app = spawn_app_with(Options {
        conversations: Some(Arc::new(PanicsOnBoom(FlowConversations::new(Arc::new(
            flows(),
        ))))),
        ..Options::without_read_receipts()
    })
    .await;
    let (parent, other) = ("6287700000001", "6287700000002");
    let t = now();
    app.post_signed(&text_body("wamid.fault.1", parent, t, "halo"))
        .await;
    app.eventually("the greeting", |app| !app.graph.texts_to(parent).is_empty())
        .await;
    let greeted = app.graph.texts_to(parent).len();

    app.post_signed(&text_body("wamid.fault.2", parent, t + 1, "boom"))
        .await;
    // Meanwhile another parent is served as usual.
    app.post_signed(&text_body("wamid.fault.3", other, t + 1, "halo"))
        .await;
    app.eventually("the parent is told an officer takes over", |app| {
        app.graph
            .texts_to(parent)
            .iter()
            .any(|text| text.contains("gangguan") && text.contains("petugas"))
    })
    .await;
    assert!(!app.graph.texts_to(other).is_empty(), "the other lane ran");

    let escalations = app.store.open_escalations().unwrap();
    assert_eq!(escalations.len(), 1, "{escalations:?}");
    assert_eq!(
        serde_json::to_value(&escalations[0].reason).unwrap(),
        json!({"kind": "fault"})
    );
    let processed = app.store.processed("wamid.fault.2").unwrap().unwrap();
    assert_eq!(processed.times, 1, "handled once, not lost");

    // The bot now leaves the conversation to the officer.
    let told = app.graph.texts_to(parent).len();
    assert_eq!(told, greeted + 1);
    app.post_signed(&text_body("wamid.fault.4", parent, t + 2, "halo?"))
        .await;
    app.eventually("the next message is handled", |app| {
        app.store.processed("wamid.fault.4").unwrap().is_some()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.graph.texts_to(parent).len(),
        told,
        "the bot stays silent"
    );

    // Replay runs through the journal without the bug's panic and agrees with what was stored.
    let report = loket::lane::replay(&flows(), &app.store).unwrap();
    assert_eq!(report.differing, vec![], "{report:?}");
    assert_eq!(report.identical, report.conversations);
    app.stop().await;
}
