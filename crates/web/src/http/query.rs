//! Query strings read into serde structs, strictly: every parameter the struct does not name is refused by
//! name with the list of those it does (a typo must not silently widen a search or change an answer), and a
//! single-valued parameter given twice is refused too.
//!
//! The structs hold text (`Option<String>`, `String`) and lists (`Vec<String>`, from a repeated key); each
//! converts its text to domain values itself, with the domain's parsers and their Chinese messages, so the
//! one struct both documents the parameters (it derives `utoipa::IntoParams`) and is what the handler reads.
//! An empty value is no value: `amount=` is the same as no `amount`.

use crate::http::error::ApiError;
use finmart_domain::ValueError;
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// The longest raw query string read at all: anything longer is refused before parsing.
pub const MAX_RAW_QUERY_BYTES: usize = 8 * 1024;

/// How unknown parameters are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    /// Refused, naming the parameter (the API).
    Refuse,
    /// Ignored (pages, whose links carry `lang` and whatever a browser adds).
    Ignore,
}

/// Reads `raw` into `T`.
///
/// # Errors
/// 400 naming the parameter at fault: unknown (with [`Unknown::Refuse`]), repeated, or refused by `T`.
pub fn parse<T: DeserializeOwned>(raw: Option<&str>, unknown: Unknown) -> Result<T, ApiError> {
    let raw = raw.unwrap_or("");
    if raw.len() > MAX_RAW_QUERY_BYTES {
        return Err(ApiError::invalid(
            &longest_key(raw),
            &ValueError::TooLarge { max: format!("{MAX_RAW_QUERY_BYTES} 字节的查询串") },
        ));
    }
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (key, value) in form_urlencoded::parse(raw.as_bytes()).into_owned() {
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, values)) => values.push(value),
            None => groups.push((key, vec![value])),
        }
    }
    if unknown == Unknown::Ignore {
        let known = fields_of::<T>();
        groups.retain(|(k, _)| known.contains(&k.as_str()));
    }
    T::deserialize(Params { groups: groups.into_iter(), value: None }).map_err(QueryError::into_api)
}

/// The key whose value is longest in a raw query (what made it too long), for naming it.
fn longest_key(raw: &str) -> String {
    let pair = raw.split('&').max_by_key(|pair| pair.len()).unwrap_or("");
    let key = pair.split('=').next().unwrap_or("");
    let key: String =
        form_urlencoded::parse(key.as_bytes()).map(|(k, _)| k.chars().take(40).collect()).next().unwrap_or_default();
    if key.is_empty() { "query".to_owned() } else { key }
}

/// The field names of a struct `T` deserializes as (serde tells them to the deserializer it is given).
fn fields_of<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Probe(Option<&'static [&'static str]>);
    impl<'de> de::Deserializer<'de> for &mut Probe {
        type Error = QueryError;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, QueryError> {
            Err(de::Error::custom("probe"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, QueryError> {
            self.0 = Some(fields);
            Err(de::Error::custom("probe"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }
    let mut probe = Probe(None);
    let _ = T::deserialize(&mut probe);
    probe.0.unwrap_or(&[])
}

/// What went wrong reading a query, and the parameter it concerns.
#[derive(Debug)]
pub struct QueryError {
    field: Option<String>,
    error: ValueError,
}

impl QueryError {
    fn into_api(self) -> ApiError {
        ApiError::invalid(self.field.as_deref().unwrap_or("query"), &self.error)
    }

    fn on(field: &str, error: ValueError) -> Self {
        Self { field: Some(field.chars().take(40).collect()), error }
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field.as_deref().unwrap_or("query"), self.error)
    }
}

impl std::error::Error for QueryError {}

impl de::Error for QueryError {
    fn custom<M: fmt::Display>(message: M) -> Self {
        Self { field: None, error: ValueError::Invalid(message.to_string()) }
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        Self::on(field, ValueError::Invalid(format!("未知参数，可用参数：{}", expected.join(", "))))
    }
}

/// The query as a map of key → every value given for it.
struct Params {
    groups: std::vec::IntoIter<(String, Vec<String>)>,
    value: Option<(String, Vec<String>)>,
}

impl<'de> de::Deserializer<'de> for Params {
    type Error = QueryError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        visitor.visit_map(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> MapAccess<'de> for Params {
    type Error = QueryError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, QueryError> {
        let Some((key, values)) = self.groups.next() else { return Ok(None) };
        let name = key.clone();
        self.value = Some((key, values));
        seed.deserialize(name.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, QueryError> {
        let (key, values) = self.value.take().ok_or_else(|| de::Error::custom("value without a key"))?;
        let field: String = key.chars().take(40).collect();
        seed.deserialize(Values { key, values }).map_err(|mut e| {
            e.field.get_or_insert(field);
            e
        })
    }
}

/// Every value of one key.
struct Values {
    key: String,
    values: Vec<String>,
}

impl Values {
    /// The one value of a single-valued parameter.
    fn single(self) -> Result<String, QueryError> {
        match <[String; 1]>::try_from(self.values) {
            Ok([one]) => Ok(one),
            Err(_) => Err(QueryError::on(&self.key, ValueError::Invalid("只能出现一次".to_owned()))),
        }
    }
}

impl<'de> de::Deserializer<'de> for Values {
    type Error = QueryError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        visitor.visit_string(self.single()?)
    }

    /// A lone empty value is no value.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        match self.values.as_slice() {
            [one] if one.trim().is_empty() => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        visitor.visit_seq(Texts(self.values.into_iter()))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct newtype_struct tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// The values of a repeated key.
struct Texts(std::vec::IntoIter<String>);

impl<'de> SeqAccess<'de> for Texts {
    type Error = QueryError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, QueryError> {
        self.0.next().map(|v| seed.deserialize(v.into_deserializer())).transpose()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        q: Option<String>,
        #[serde(default)]
        family: Vec<String>,
    }

    fn field(raw: &str) -> Option<String> {
        parse::<Sample>(Some(raw), Unknown::Refuse).unwrap_err().body.field
    }

    #[test]
    fn reads_single_and_repeated_parameters() {
        let s: Sample = parse(Some("q=%E8%B4%B7&family=a&family=b,c"), Unknown::Refuse).unwrap();
        assert_eq!(s, Sample { q: Some("贷".into()), family: vec!["a".into(), "b,c".into()] });
        let s: Sample = parse(Some("q=&family="), Unknown::Refuse).unwrap();
        assert_eq!(s, Sample { q: None, family: vec![String::new()] });
        assert_eq!(parse::<Sample>(None, Unknown::Refuse).unwrap(), Sample { q: None, family: Vec::new() });
    }

    #[test]
    fn names_unknown_and_repeated_parameters() {
        assert_eq!(field("colour=red").as_deref(), Some("colour"));
        let e = parse::<Sample>(Some("colour=red"), Unknown::Refuse).unwrap_err();
        assert!(e.body.message.contains("未知参数，可用参数：q, family"), "{}", e.body.message);
        assert_eq!(field("q=a&q=b").as_deref(), Some("q"));
        assert_eq!(field(&format!("q={}", "x".repeat(10_000))).as_deref(), Some("q"));
        let s: Sample = parse(Some("colour=red&q=x&lang=en"), Unknown::Ignore).unwrap();
        assert_eq!(s.q.as_deref(), Some("x"));
    }
}
