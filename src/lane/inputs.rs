//! What the engine understands of a WhatsApp message, and of an input that is not a message.

use crate::{
    domain::{
        event::{InboundMessage, MessageKind, SyntheticInput},
        media::MediaRecord,
    },
    flow::{Input, MediaRef},
};

/// Maps one WhatsApp message to what the conversation understands. Reactions and system
/// notices are not conversation input.
pub fn input_of(message: &InboundMessage, media: Option<&MediaRecord>) -> Option<Input> {
    let stored = |caption: &Option<String>| match media {
        Some(MediaRecord::Stored {
            sha256, mime_type, ..
        }) => Input::Photo {
            media: MediaRef {
                sha256: sha256.clone(),
                mime: mime_type.clone().unwrap_or_else(|| "image/jpeg".into()),
            },
            caption: caption.clone(),
        },
        _ => unavailable(media),
    };
    Some(match &message.kind {
        MessageKind::Text { body } => Input::Text(body.clone()),
        MessageKind::ButtonReply { id, title } | MessageKind::ListReply { id, title, .. } => {
            Input::Choice {
                id: id.clone(),
                title: title.clone(),
            }
        }
        MessageKind::TemplateButton { payload, text } => Input::Choice {
            id: payload.clone(),
            title: text.clone(),
        },
        MessageKind::Image { media: attachment } => stored(&attachment.caption),
        // A photo sent "as document" is a photo; judged by its bytes, not its declared type.
        MessageKind::Document { media: attachment } => match media {
            Some(MediaRecord::Stored { image: true, .. }) => stored(&attachment.caption),
            Some(MediaRecord::Stored { mime_type, .. }) => Input::NotAPhoto {
                mime: mime_type
                    .clone()
                    .or_else(|| attachment.mime_type.clone())
                    .unwrap_or_default(),
                filename: attachment.filename.clone(),
            },
            _ => unavailable(media),
        },
        MessageKind::RequestWelcome => Input::Text("halo".into()),
        MessageKind::Reaction { .. } | MessageKind::System { .. } => return None,
        other => Input::Unsupported {
            what: other.name().to_string(),
        },
    })
}

fn unavailable(media: Option<&MediaRecord>) -> Input {
    Input::MediaUnavailable(match media {
        Some(MediaRecord::Unavailable { problem, .. }) => *problem,
        _ => crate::domain::media::MediaProblem::Network,
    })
}

/// What an input that is not a message means to the engine (as logged: a delivery step
/// without its code, and nothing for one that changed nothing).
pub(super) fn synthetic_input(input: &SyntheticInput) -> Option<Input> {
    Some(match input {
        SyntheticInput::Tick => Input::Tick,
        SyntheticInput::HandBack => Input::HandBack,
        SyntheticInput::WalkIn(form) => Input::WalkIn(form.clone()),
        SyntheticInput::Notice { text, .. } => Input::Notice(text.clone()),
        SyntheticInput::OfficerReply { message, .. } => Input::OfficerReply(message.clone()),
        SyntheticInput::Decided {
            number, decision, ..
        } => Input::Decided {
            number: number.clone(),
            status: decision.status(),
            reason: decision.reason(),
            returned: decision.returned().to_vec(),
        },
        SyntheticInput::Delivery { number, notice, .. } => Input::Delivery {
            number: number.clone(),
            notice: notice.clone()?,
            code: None,
        },
    })
}
