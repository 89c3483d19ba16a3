//! Step ids and choices with a fixed meaning. A service names its steps freely; these few the
//! engine reads to build the filed request's delivery, address and KK number, so the loader
//! checks them (`def::load_service`) and the engine names them only through these constants.
//! The steps naming the request's subject (the child, the deceased) are not fixed: each service
//! declares them in its `[subject]` table.

/// The family card number (validator `nomor_kk`).
pub const NOMOR_KK: &str = "nomor_kk";
/// New, renewal, lost, damaged: filed as the request's kind.
pub const REQUEST_KIND: &str = "request_kind";
/// How the card reaches the family: one of [`DELIVERY_CHOICES`].
pub const DELIVERY: &str = "delivery";
/// Delivery by the postal courier, with the COD fee.
pub const BY_COURIER: &str = "pos";
/// Collection at the kecamatan office.
pub const PICKUP_AT_KECAMATAN: &str = "ambil_kecamatan";
pub const DELIVERY_CHOICES: &[&str] = &[BY_COURIER, PICKUP_AT_KECAMATAN];
/// The options a subject's sex step offers.
pub const SEX_CHOICES: &[&str] = &["l", "p"];
/// The address as on the KK.
pub const STREET: &str = "street";
pub const RT_RW: &str = "rt_rw";
/// A step of kind `kelurahan` needs this step, of kind `kecamatan`, before it.
pub const KECAMATAN: &str = "kecamatan";
pub const KELURAHAN: &str = "kelurahan";
