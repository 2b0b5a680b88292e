//! Folding text before jieba cuts it, in the index and in queries alike: traditional characters to
//! simplified (倉單質押 → 仓单质押) and full-width ASCII forms to their usual ones (ＬＰＲ → LPR, １００万 →
//! 100万), so that a product or a query written either way meets jieba's dictionary, which is simplified,
//! and the other side's words.
//!
//! The conversion table comes from the `zhconv` crate, with OpenCC's tables only. Of the crates that do
//! this, it is the one kept up (releases through 2026, tables synced with upstream OpenCC), pure Rust, and it
//! converts phrases before characters (leftmost-longest), so simplified text that happens to use a character
//! that is also a traditional form stays as it is (著作权, 乾隆). `fast2s` maps single characters with a
//! handful of hand-written exceptions and has not been released since 2022 (on bincode 1 and hashbrown
//! 0.12); `character_converter` is several megabytes and by far the slowest; `opencc-rust` binds the C++
//! library; `ferrous-opencc` is younger and pulls in a dictionary compiler, rkyv and phf. zhconv's default
//! MediaWiki tables are GPL-2.0-or-later, which is why the workspace turns them off.
//!
//! Full-width to half-width is Unicode NFKC, kept only where it gives ASCII: Ｌ → L, １ → 1, the ideographic
//! space → a space; ㈱ or ½, whose compatibility forms are not ASCII, stay as written.
//!
//! Highlights must show the product's text as written, so a fold keeps a map from the folded text back to
//! the original: tantivy's snippets cut the stored (original) text at the offsets the tokenizer reports.

use std::borrow::Cow;
use unicode_normalization::UnicodeNormalization;
use zhconv::{Variant, ZhConverter};

/// zhconv's converter to simplified Chinese (built on first use, then shared).
fn to_simplified() -> &'static ZhConverter {
    zhconv::get_builtin_converter(Variant::ZhHans)
}

/// Text folded for searching, and where each part of it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folded<'a> {
    text: Cow<'a, str>,
    /// For each unit of the folded text (what one original character became), its byte offset in the
    /// folded text and that character's byte offset in the original, ascending. Empty when folding changed
    /// nothing (simplified text without full-width forms).
    starts: Vec<(usize, usize)>,
    original_len: usize,
}

impl Folded<'_> {
    /// The folded text.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The byte range of the original text that the folded range `from..to` came from, widened to whole
    /// characters of the original (always on character boundaries).
    #[must_use]
    pub fn original_range(&self, from: usize, to: usize) -> (usize, usize) {
        if self.starts.is_empty() {
            return (from, to);
        }
        // The unit `from` falls in starts where it does; `to` ends where the next unit starts.
        let unit = self.starts.partition_point(|&(folded, _)| folded <= from).saturating_sub(1);
        let start = self.starts.get(unit).map_or(0, |&(_, original)| original);
        let next = self.starts.partition_point(|&(folded, _)| folded < to);
        let end = self.starts.get(next).map_or(self.original_len, |&(_, original)| original);
        (start, end.max(start))
    }
}

/// Folds `text` for searching (see the module documentation).
#[must_use]
pub fn fold(text: &str) -> Folded<'_> {
    let unchanged = |text| Folded { text: Cow::Borrowed(text), starts: Vec::new(), original_len: text.len() };
    if text.is_ascii() {
        return unchanged(text);
    }
    let simplified = to_simplified().convert(text);
    let mut out = String::with_capacity(text.len());
    let mut starts = Vec::with_capacity(text.len() / 2);
    let mut changed = false;
    let mut push = |original: usize, was: char, became: &str| {
        starts.push((out.len(), original));
        let before = out.len();
        for c in became.chars() {
            push_narrow(&mut out, c);
        }
        changed |= out[before..].chars().ne(std::iter::once(was));
    };
    if simplified.chars().count() == text.chars().count() {
        // Simplified Chinese has as many characters as traditional (OpenCC's phrases map to phrases of
        // the same length), so the characters pair up one to one: 倉單 → 仓单.
        for ((original, was), became) in text.char_indices().zip(simplified.chars()) {
            push(original, was, became.encode_utf8(&mut [0; 4]));
        }
    } else {
        // Should a rule ever change the length, fold each character on its own: the phrases are lost, the
        // offsets are not.
        for (original, was) in text.char_indices() {
            push(original, was, &to_simplified().convert(was.encode_utf8(&mut [0; 4])));
        }
    }
    if changed { Folded { text: Cow::Owned(out), starts, original_len: text.len() } } else { unchanged(text) }
}

/// Appends `c`, as ASCII when its compatibility form is ASCII (full-width letters, digits, punctuation and
/// the ideographic space), else as it is.
fn push_narrow(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c);
        return;
    }
    let before = out.len();
    out.extend(std::iter::once(c).nfkc());
    if out.len() == before || !out[before..].is_ascii() {
        out.truncate(before);
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(text: &str) -> String {
        fold(text).text().to_owned()
    }

    #[test]
    fn traditional_becomes_simplified() {
        assert_eq!(folded("倉單質押"), "仓单质押");
        assert_eq!(folded("專利貸 銀稅互動 無還本續貸 應收賬款"), "专利贷 银税互动 无还本续贷 应收账款");
        assert_eq!(folded("科技型中小企業信用貸款"), "科技型中小企业信用贷款");
    }

    #[test]
    fn simplified_text_is_left_alone() {
        // 著 and 乾 are also traditional forms (of 着 and 干), but not in these words.
        for text in ["著作权质押", "乾隆", "知识产权质押融资。额度100万元", "干部", "余额"] {
            let f = fold(text);
            assert_eq!(f.text(), text);
            assert!(matches!(f.text, Cow::Borrowed(_)), "{text}: nothing to map back");
        }
    }

    #[test]
    fn full_width_becomes_half_width() {
        assert_eq!(folded("ＬＰＲ"), "LPR");
        assert_eq!(folded("１００万"), "100万");
        assert_eq!(folded("ＬＰＲ＋５０ＢＰ（貸款）"), "LPR+50BP(贷款)");
        assert_eq!(folded("首贷\u{3000}滨海"), "首贷 滨海");
        // Chinese text's own full-width punctuation folds too (jieba splits at either), 。 has no ASCII form.
        assert_eq!(folded("年化３．８５％，随借随还。"), "年化3.85%,随借随还。");
        // Compatibility forms that are not ASCII stay: the fold is about width, not meaning.
        assert_eq!(folded("㈱½"), "㈱½");
    }

    #[test]
    fn ranges_map_back_to_the_text_as_written() {
        let text = "港城ＬＰＲ倉單質押貸";
        let f = fold(text);
        assert_eq!(f.text(), "港城LPR仓单质押贷");
        let back = |word: &str| {
            let from = f.text().find(word).unwrap_or_else(|| panic!("{word} in {}", f.text()));
            let (a, b) = f.original_range(from, from + word.len());
            &text[a..b]
        };
        assert_eq!(back("LPR"), "ＬＰＲ");
        assert_eq!(back("仓单"), "倉單");
        assert_eq!(back("质押贷"), "質押貸");
        assert_eq!(back("港城"), "港城");
        // A range inside one unit widens to the whole original character.
        let lpr = f.text().find("LPR").unwrap_or(0);
        assert_eq!(f.original_range(lpr + 1, lpr + 2), (lpr + 3, lpr + 6));
    }

    proptest::proptest! {
        #[test]
        fn ranges_stay_on_character_boundaries(text in "[倉單質押貸款銀稅專利企業ＬＰＲ１０万 a-z0-9仓单质押贷]{0,30}") {
            let f = fold(&text);
            let len = f.text().len();
            for (from, _) in f.text().char_indices() {
                let (a, b) = f.original_range(from, len);
                proptest::prop_assert!(text.is_char_boundary(a) && text.is_char_boundary(b) && a <= b);
                proptest::prop_assert_eq!(b, text.len());
            }
            let again = fold(f.text());
            proptest::prop_assert_eq!(again.text(), f.text(), "folding twice changes nothing more");
        }
    }
}
