//! Step ids and choices with a fixed meaning. A service names its steps freely; these few the
//! engine reads to cross-check answers and to build the filed request, so the loader checks
//! them (`def::load_service`) and the engine names them only through these constants.

/// The child's full name (required for filing).
pub const CHILD_NAME: &str = "child_name";
/// The child's date of birth (required for filing).
pub const CHILD_BIRTH_DATE: &str = "child_birth_date";
/// The child's sex, `l` or `p` (required for filing).
pub const CHILD_SEX: &str = "child_sex";
/// The child's NIK (validator `nik`), cross-checked against birth date and sex.
pub const CHILD_NIK: &str = "child_nik";
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
/// The sexes a `child_sex` step may offer.
pub const SEX_CHOICES: &[&str] = &["l", "p"];
/// The address as on the KK.
pub const STREET: &str = "street";
pub const RT_RW: &str = "rt_rw";
/// A step of kind `kelurahan` needs this step, of kind `kecamatan`, before it.
pub const KECAMATAN: &str = "kecamatan";
pub const KELURAHAN: &str = "kelurahan";

/// Answers filing cannot do without.
pub const REQUIRED_FIELDS: &[&str] = &[CHILD_NAME, CHILD_BIRTH_DATE, CHILD_SEX];
