//! What a lane hands the conversation, and what it gets back.

use crate::{
    channel::{graph::Outgoing, media::MediaRecord},
    domain::{
        contact::Contact,
        event::{InboundMessage, SyntheticInput},
    },
    flow::Conversation,
    store::{LaneRecords, Store},
};

/// One message as the conversation sees it: with its media already fetched.
#[derive(Debug, Clone)]
pub struct Arrival {
    pub message: InboundMessage,
    pub media: Option<MediaRecord>,
}

/// What a lane hands the conversation: everything that arrived for one contact.
pub struct Batch<'a> {
    pub contact: &'a Contact,
    pub state: Option<&'a Conversation>,
    pub arrivals: &'a [Arrival],
    /// Inputs that are not messages (wake-ups, hand-backs).
    pub synthetic: &'a [SyntheticInput],
    /// The clock the conversation sees.
    pub now: jiff::Timestamp,
    /// The sender has just passed the flood limit: the conversation tells them (once) that they
    /// are being answered more slowly.
    pub flooding: bool,
}

/// What the conversation decided for a batch: the records the lane commits (atomically, with
/// its own bookkeeping), the replies it sends, and the files to delete once that is durable.
#[derive(Debug, Default)]
pub struct Decision {
    pub records: LaneRecords,
    pub replies: Vec<Outgoing>,
    /// Photo files to delete once the decision is durable (their owners permitting).
    pub forget_blobs: Vec<String>,
}

/// The conversation behind the lanes. Decides over stored state; sends nothing itself.
pub trait Conversations: Send + Sync + 'static {
    fn decide(&self, batch: Batch<'_>, store: &Store) -> anyhow::Result<Decision>;

    /// The decision for a batch `decide` keeps failing on (a bug): the parent is told, and the
    /// conversation goes to the officers' queue, rather than the lane retrying it forever.
    fn hand_over(&self, batch: Batch<'_>) -> Decision;
}
