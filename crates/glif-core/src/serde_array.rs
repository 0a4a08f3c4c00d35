//! Serde for `[T; N]` with a const-generic `N` (serde's own impls stop at 32
//! and are not const-generic): a sequence of exactly `N` elements.

use core::fmt;
use core::marker::PhantomData;

use serde::de::{Deserialize, DeserializeOwned, Deserializer, Error, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeTuple, Serializer};

/// What a struct with a `[F; N]` field read and written through this module
/// asks of `F`: serde both ways, and `Copy + Default` because
/// [`deserialize`] fills a default array (no heap, no `unsafe`). The structs
/// name it once, as `#[serde(bound = "F: crate::serde_array::Element")]`.
///
/// `pub` in this private module, so it can bound public impls without being
/// part of the API (every `F` glif-core takes, `f32` and `f64`, has it).
pub trait Element: Serialize + DeserializeOwned + Copy + Default {}

impl<T: Serialize + DeserializeOwned + Copy + Default> Element for T {}

pub(crate) fn serialize<S: Serializer, T: Serialize, const N: usize>(
    array: &[T; N],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut tuple = serializer.serialize_tuple(N)?;
    for x in array {
        tuple.serialize_element(x)?;
    }
    tuple.end()
}

struct ArrayVisitor<T, const N: usize>(PhantomData<T>);

impl<'de, T: Deserialize<'de> + Copy + Default, const N: usize> Visitor<'de>
    for ArrayVisitor<T, N>
{
    type Value = [T; N];

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an array of {N} numbers")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<[T; N], A::Error> {
        let mut out = [T::default(); N];
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = seq
                .next_element()?
                .ok_or_else(|| A::Error::invalid_length(i, &self))?;
        }
        if seq.next_element::<T>()?.is_some() {
            return Err(A::Error::invalid_length(N + 1, &self));
        }
        Ok(out)
    }
}

pub(crate) fn deserialize<
    'de,
    D: Deserializer<'de>,
    T: Deserialize<'de> + Copy + Default,
    const N: usize,
>(
    deserializer: D,
) -> Result<[T; N], D::Error> {
    deserializer.deserialize_tuple(N, ArrayVisitor::<T, N>(PhantomData))
}
