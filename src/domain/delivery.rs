//! Getting a printed card to its family: one delivery task per printed request, by the postal
//! courier to the address on the card (cash on delivery) or for collection at a kecamatan
//! office (no fee).

use serde::{Deserialize, Serialize};

use super::contact::ContactId;
use super::request::{Address, Delivery, FiledRequest};
use super::rupiah::Rupiah;

/// How the card reaches the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryKind {
    Courier,
    Collection,
}

/// One printed card on its way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryTask {
    /// The request's number: also the task's key, so a request has at most one task.
    pub number: String,
    pub kind: DeliveryKind,
    /// The parent who requested it (a citizen filed for at the counter may have none).
    pub contact: Option<ContactId>,
    /// Their WhatsApp number, for the courier's call button.
    pub phone: Option<String>,
    /// The address as filed (street, RT/RW, kelurahan, kecamatan, codes, postal code).
    pub address: Option<Address>,
    /// Whom the card is for (the child).
    pub name: String,
    /// The last four digits of the child's NIK, for the courier to check the card.
    pub nik_last4: Option<String>,
    /// Cash to collect: the fee the parent agreed to at filing; zero for collection.
    pub cod: Rupiah,
    /// The courier's route: the kecamatan code (or the collecting kecamatan office).
    pub route: String,
    pub created_at: jiff::Timestamp,
}

impl DeliveryTask {
    /// The task for a request just marked printed.
    pub fn for_printed(
        filed: &FiledRequest,
        contact: Option<ContactId>,
        phone: Option<String>,
        at: jiff::Timestamp,
    ) -> DeliveryTask {
        let (kind, cod, route) = match &filed.delivery {
            Some(Delivery::PickupAtKecamatan { kecamatan_code, .. }) => (
                DeliveryKind::Collection,
                Rupiah::ZERO,
                kecamatan_code.clone(),
            ),
            Some(Delivery::Courier { cod_fee }) => (
                DeliveryKind::Courier,
                *cod_fee,
                route_of(filed.address.as_ref()),
            ),
            None => (
                DeliveryKind::Courier,
                filed.fee,
                route_of(filed.address.as_ref()),
            ),
        };
        DeliveryTask {
            number: filed.number.to_string(),
            kind,
            contact,
            phone,
            address: filed.address.clone(),
            name: filed.subject.name.clone(),
            nik_last4: filed
                .subject
                .nik
                .as_ref()
                .and_then(|n| n.as_str().get(12..16).map(str::to_string)),
            cod,
            route,
            created_at: at,
        }
    }
}

/// Routes are by kecamatan; a card without an address waits on the office's own route.
fn route_of(address: Option<&Address>) -> String {
    address.map_or_else(|| "kantor".to_string(), |a| a.kecamatan_code.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_for_collection_carries_no_fee_and_goes_to_the_kecamatan_office() {
        let mut filed = crate::domain::request::tests::sample_filed_request();
        filed.delivery = Some(Delivery::PickupAtKecamatan {
            kecamatan_code: "18.08.01".into(),
            kecamatan: "Blambangan Umpu".into(),
        });
        let task = DeliveryTask::for_printed(&filed, None, None, jiff::Timestamp::UNIX_EPOCH);
        assert_eq!(task.kind, DeliveryKind::Collection);
        assert_eq!(task.cod, Rupiah::ZERO);
        assert_eq!(task.route, "18.08.01");
        assert_eq!(task.number, filed.number.to_string());
    }

    #[test]
    fn a_card_by_courier_carries_the_fee_agreed_at_filing() {
        let filed = crate::domain::request::tests::sample_filed_request();
        let task = DeliveryTask::for_printed(&filed, None, None, jiff::Timestamp::UNIX_EPOCH);
        assert_eq!(task.kind, DeliveryKind::Courier);
        assert_eq!(task.cod, Rupiah(10_000));
        assert_eq!(task.route, "kantor", "no address: the office's own route");
        assert_eq!(task.nik_last4, None);
    }
}
