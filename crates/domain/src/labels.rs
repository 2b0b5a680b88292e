//! Enums with a stable machine name (API, files, database) and a Chinese and an English label (pages).
//!
//! Every closed vocabulary of the domain is declared through [`labelled_enum!`], so the three spellings of a
//! value live on one line and serde, `FromStr` and the label tables can never drift apart.

/// The common face of every labelled enum.
pub trait Labelled: Sized + Copy + 'static {
    /// Every value, in declaration order (the order pages list them in).
    const ALL: &'static [Self];
    /// What the vocabulary is called, for error messages (`"family"`).
    const VOCABULARY: &'static str;
    /// The stable machine name, e.g. `ip_pledge`.
    fn as_str(self) -> &'static str;
    /// The Chinese label, e.g. `知识产权质押贷款`.
    fn label_zh(self) -> &'static str;
    /// The English label.
    fn label_en(self) -> &'static str;

    /// Parses a machine name (exact) or a Chinese label.
    ///
    /// # Errors
    /// [`crate::UnknownValue`] naming the vocabulary and the value when nothing matches.
    fn parse(text: &str) -> Result<Self, crate::UnknownValue> {
        let text = text.trim();
        Self::ALL.iter().copied().find(|v| v.as_str() == text || v.label_zh() == text).ok_or_else(|| {
            crate::UnknownValue {
                vocabulary: Self::VOCABULARY,
                value: text.chars().take(64).collect(),
                allowed: Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                allowed_zh: Self::ALL
                    .iter()
                    .map(|v| format!("{}（{}）", v.label_zh(), v.as_str()))
                    .collect::<Vec<_>>()
                    .join("、"),
            }
        })
    }
}

/// Declares a labelled enum: `Variant => "machine_name", "中文", "English"`.
#[macro_export]
macro_rules! labelled_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $vocab:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $machine:literal, $zh:literal, $en:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name { $( $(#[$vmeta])* $variant ),+ }

        impl $crate::Labelled for $name {
            const ALL: &'static [Self] = &[ $( Self::$variant ),+ ];
            const VOCABULARY: &'static str = $vocab;
            fn as_str(self) -> &'static str { match self { $( Self::$variant => $machine ),+ } }
            fn label_zh(self) -> &'static str { match self { $( Self::$variant => $zh ),+ } }
            fn label_en(self) -> &'static str { match self { $( Self::$variant => $en ),+ } }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::Labelled::as_str(*self))
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> { <Self as $crate::Labelled>::parse(s) }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($crate::Labelled::as_str(*self))
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                <Self as $crate::Labelled>::parse(&text).map_err(::serde::de::Error::custom)
            }
        }
    };
}

/// Joins the Chinese labels of several values with `、`.
pub fn join_zh<T: Labelled>(values: &[T]) -> String {
    values.iter().map(|v| v.label_zh()).collect::<Vec<_>>().join("、")
}
