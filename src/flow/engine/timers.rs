//! Wake-ups: the reminder for an abandoned draft, and its expiry.

use super::*;

impl<'a, 'c> Engine<'a, 'c> {
    pub(super) fn on_tick(&self, st: &mut Conversation, t: &mut Turn) {
        let Some(wake) = st.wake_at else {
            return;
        };
        if self.now() < wake {
            return;
        }
        let Some(draft) = st.draft.as_ref() else {
            st.wake_at = None;
            return;
        };
        let last = st.last_inbound.unwrap_or(draft.started_at);
        let expires = last
            .checked_add(self.settings().expire_after)
            .unwrap_or(last);
        if self.now() >= expires {
            let media = draft.all_media();
            st.draft = None;
            st.overlay = Overlay::None;
            st.wake_at = None;
            if !media.is_empty() {
                t.effects.push(Effect::ForgetMedia(media));
            }
            if self.window_open() {
                t.notes.push(self.msg(st, "expired"));
            } else {
                st.expired_unseen = true;
            }
            return;
        }
        if !st.reminded {
            st.reminded = true;
            if self.window_open() {
                t.notes.push(self.msg(st, "reminder"));
                t.ask = true;
            }
        }
        st.wake_at = Some(expires);
        t.wake = Some(expires);
    }

    pub(super) fn schedule_reminder(&self, st: &mut Conversation, t: &mut Turn) {
        let now = self.now();
        let settings = &self.settings();
        let window_end = self.ctx.window_open_until.unwrap_or_else(|| {
            now.checked_add(SignedDuration::from_hours(24))
                .unwrap_or(now)
        });
        // Remind while a free-form message is still allowed: half an hour before the window shuts.
        let latest = window_end
            .checked_sub(SignedDuration::from_mins(30))
            .unwrap_or(window_end);
        let mut at = now
            .checked_add(settings.reminder_after)
            .unwrap_or(now)
            .min(latest);
        if at <= now {
            st.reminded = true;
            at = now.checked_add(settings.expire_after).unwrap_or(now);
        }
        st.wake_at = Some(at);
        t.wake = Some(at);
    }
}
