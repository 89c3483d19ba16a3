//! The review queue's index: every request's row (what a list shows) kept twice, by filing
//! time and by status then filing time, so a page of the queue reads only its own rows
//! instead of decoding every request the office ever filed; and the open requests by due
//! date, so the dashboard counts the overdue ones without reading any.

use serde::{Deserialize, Serialize};

use super::{Result, Store, StoredRequest};
use crate::domain::request::RequestStatus;

/// One request as a list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueRow {
    pub number: String,
    pub service: String,
    pub status: RequestStatus,
    /// The subject's name (the child, the deceased).
    pub name: String,
    pub submitted_at: jiff::Timestamp,
    pub due_date: Option<jiff::civil::Date>,
    pub kecamatan: Option<String>,
    /// Kemendagri code of the kecamatan.
    pub kecamatan_code: Option<String>,
    pub filed_at_ms: i64,
    /// Whose request it is (notices go to them).
    #[serde(default)]
    pub contact: Option<crate::domain::contact::ContactId>,
}

/// Where a page of the queue starts: after this request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueCursor {
    pub filed_at_ms: i64,
    pub number: String,
}

impl QueueRow {
    fn of(request: &StoredRequest) -> QueueRow {
        let address = request.filed.address.as_ref();
        QueueRow {
            number: request.summary.number.to_string(),
            service: request.summary.service.clone(),
            status: request.summary.status,
            name: request.filed.subject.name.clone(),
            submitted_at: request.filed.submitted_at,
            due_date: request.filed.due_date,
            kecamatan: address.map(|a| a.kecamatan.clone()),
            kecamatan_code: address.map(|a| a.kecamatan_code.clone()),
            filed_at_ms: request.filed_at_ms,
            contact: request.contact,
        }
    }

    pub fn cursor(&self) -> QueueCursor {
        QueueCursor {
            filed_at_ms: self.filed_at_ms,
            number: self.number.clone(),
        }
    }
}

fn time_key(filed_at_ms: i64, number: &str) -> Vec<u8> {
    // Filing times are after 1970, so the big-endian bytes sort as the times do.
    let mut key = (filed_at_ms.max(0) as u64).to_be_bytes().to_vec();
    key.extend_from_slice(number.as_bytes());
    key
}

fn status_prefix(status: RequestStatus) -> Vec<u8> {
    let mut key = status.id().as_bytes().to_vec();
    key.push(0);
    key
}

fn status_key(status: RequestStatus, filed_at_ms: i64, number: &str) -> Vec<u8> {
    let mut key = status_prefix(status);
    key.extend_from_slice(&time_key(filed_at_ms, number));
    key
}

/// Marks a store whose index is complete (no status id starts with `~`).
const INDEX_VERSION: &[u8] = b"~index:3";

/// `<due date>\0<number>` for an open request with a due date.
fn due_key(request: &StoredRequest) -> Option<Vec<u8>> {
    let due = request.filed.due_date.filter(|_| request.is_open())?;
    let mut key = due.to_string().into_bytes();
    key.push(0);
    key.extend_from_slice(request.summary.number.to_string().as_bytes());
    Some(key)
}

impl Store {
    /// Writes the request's row; `previous` is the request as it was, whose status entry goes.
    pub(super) fn index_request(
        &self,
        request: &StoredRequest,
        previous: Option<&StoredRequest>,
    ) -> Result<()> {
        let i = &self.inner;
        let row = QueueRow::of(request);
        let value = self.encode(&row)?;
        i.queue_by_time
            .insert(time_key(row.filed_at_ms, &row.number), value.clone())?;
        i.queue_by_status
            .insert(status_key(row.status, row.filed_at_ms, &row.number), value)?;
        if let Some(previous) = previous {
            if previous.summary.status != row.status {
                i.queue_by_status.remove(status_key(
                    previous.summary.status,
                    previous.filed_at_ms,
                    &row.number,
                ))?;
            }
            if let Some(key) = due_key(previous) {
                i.open_by_due.remove(key)?;
            }
        }
        if let Some(key) = due_key(request) {
            i.open_by_due.insert(key, &[])?;
        }
        Ok(())
    }

    /// Builds the index for requests filed before it existed; called at open.
    pub(super) fn build_queue_index(&self) -> Result<usize> {
        let i = &self.inner;
        if i.queue_by_status.contains_key(INDEX_VERSION)? {
            return Ok(0);
        }
        let mut n = 0;
        for value in i.requests.iter().values() {
            let request: StoredRequest = self.decode("request", &value?)?;
            self.index_request(&request, None)?;
            n += 1;
        }
        i.queue_by_status.insert(INDEX_VERSION, &[])?;
        Ok(n)
    }

    /// Requests oldest first, all of them or those with one status, starting after `after`.
    pub fn queue(
        &self,
        status: Option<RequestStatus>,
        after: Option<&QueueCursor>,
    ) -> impl Iterator<Item = Result<QueueRow>> + '_ {
        let (tree, prefix) = match status {
            Some(s) => (&self.inner.queue_by_status, status_prefix(s)),
            None => (&self.inner.queue_by_time, Vec::new()),
        };
        let start = match after {
            Some(c) => {
                let mut key = prefix.clone();
                key.extend_from_slice(&time_key(c.filed_at_ms, &c.number));
                // The first key after the cursor's own.
                key.push(0);
                key
            }
            None => prefix.clone(),
        };
        tree.range(start..)
            .take_while(move |item| {
                item.as_ref()
                    .map_or(true, |(key, _)| key.starts_with(&prefix))
            })
            .filter_map(move |item| {
                let row = item
                    .map_err(Into::into)
                    .and_then(|(_, value)| self.decode::<QueueRow>("queue row", &value));
                match row {
                    // An entry a crash left under the status a request had before is skipped;
                    // the request's current entry is the one under its status.
                    Ok(row) if status.is_some_and(|s| s != row.status) => None,
                    other => Some(other),
                }
            })
    }

    /// How many requests each status holds (keys counted, nothing decoded).
    pub fn queue_counts(&self) -> Result<Vec<(RequestStatus, usize)>> {
        RequestStatus::ALL
            .into_iter()
            .map(|s| {
                let mut n = 0;
                for key in self
                    .inner
                    .queue_by_status
                    .scan_prefix(status_prefix(s))
                    .keys()
                {
                    key?;
                    n += 1;
                }
                Ok((s, n))
            })
            .collect()
    }

    /// How many open requests were due before `today`.
    pub fn overdue_count(&self, today: jiff::civil::Date) -> Result<usize> {
        let mut n = 0;
        for key in self
            .inner
            .open_by_due
            .range(..today.to_string().into_bytes())
            .keys()
        {
            key?;
            n += 1;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::request::{RequestNumber, StatusChange};
    use crate::store::{RequestChange, StoreOptions};

    fn filed(store: &Store, sequence: u32, filed_at_ms: i64) -> String {
        let mut filed = crate::domain::request::tests::sample_filed_request();
        filed.number = RequestNumber::new("KIA", "6371", jiff::civil::date(2026, 11, 23), sequence);
        let number = filed.number.to_string();
        store
            .put_request(&StoredRequest {
                summary: filed.summary(),
                contact: None,
                nik: None,
                filed,
                filed_at_ms,
                photos: Vec::new(),
                history: Vec::new(),
                photos_erased_at: None,
            })
            .unwrap();
        number
    }

    fn numbers(
        store: &Store,
        status: Option<RequestStatus>,
        after: Option<&QueueCursor>,
    ) -> Vec<String> {
        store
            .queue(status, after)
            .map(|r| r.unwrap().number)
            .collect()
    }

    #[tokio::test]
    async fn the_queue_is_oldest_first_and_follows_each_change_of_status() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let late = filed(&store, 1, 3_000);
        let early = filed(&store, 2, 1_000);
        let middle = filed(&store, 3, 2_000);
        assert_eq!(
            numbers(&store, None, None),
            [early.clone(), middle.clone(), late.clone()]
        );

        let change = RequestChange::status(
            &middle,
            StatusChange {
                status: RequestStatus::Disetujui,
                at: jiff::Timestamp::UNIX_EPOCH,
                by: "siti".into(),
                note: None,
            },
        );
        store.change_request(&change).unwrap();
        assert_eq!(
            numbers(&store, Some(RequestStatus::Diajukan), None),
            [early.clone(), late.clone()]
        );
        assert_eq!(
            numbers(&store, Some(RequestStatus::Disetujui), None),
            [middle.as_str()]
        );
        assert_eq!(
            numbers(&store, None, None),
            [early.clone(), middle.clone(), late.clone()],
            "one row each"
        );

        let first = store.queue(None, None).next().unwrap().unwrap();
        assert_eq!(
            numbers(&store, None, Some(&first.cursor())),
            [middle.clone(), late.clone()]
        );
        let counts = store.queue_counts().unwrap();
        assert!(counts.contains(&(RequestStatus::Diajukan, 2)));
        assert!(counts.contains(&(RequestStatus::Disetujui, 1)));
    }

    #[tokio::test]
    async fn an_open_request_past_its_due_date_counts_as_overdue_until_it_ends() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let number = filed(&store, 1, 1_000);
        let today = jiff::civil::date(2026, 12, 10);
        assert_eq!(
            store.overdue_count(today).unwrap(),
            0,
            "no due date, never overdue"
        );
        let mut request = store.request(&number).unwrap().unwrap();
        request.filed.due_date = Some(jiff::civil::date(2026, 12, 9));
        store.put_request(&request).unwrap();
        assert_eq!(store.overdue_count(today).unwrap(), 1);
        assert_eq!(
            store.overdue_count(jiff::civil::date(2026, 12, 9)).unwrap(),
            0,
            "due today is not late"
        );
        store
            .change_request(&RequestChange::status(
                &number,
                StatusChange {
                    status: RequestStatus::Ditolak,
                    at: jiff::Timestamp::UNIX_EPOCH,
                    by: "siti".into(),
                    note: Some("Bukan warga kota ini.".into()),
                },
            ))
            .unwrap();
        assert_eq!(
            store.overdue_count(today).unwrap(),
            0,
            "a rejected request is not late"
        );
    }

    #[test]
    fn requests_filed_before_the_index_existed_are_indexed_at_open() {
        let dir = tempfile::tempdir().unwrap();
        // Each runtime ends with its group committer, which lets go of the database.
        let runtime = || {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap()
        };
        let number = runtime().block_on(async {
            let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
            let number = filed(&store, 1, 1_000);
            // As a store written by an older loket: requests, no index.
            store.inner.queue_by_time.clear().unwrap();
            store.inner.queue_by_status.clear().unwrap();
            store.inner.open_by_due.clear().unwrap();
            store.flush_now().unwrap();
            number
        });
        runtime().block_on(async {
            let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
            assert_eq!(
                numbers(&store, Some(RequestStatus::Diajukan), None),
                [number]
            );
        });
    }
}
