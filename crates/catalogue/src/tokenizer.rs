//! Chinese tokenisation: jieba in search mode, with Finmart's own words added to its dictionary.
//!
//! Two reasons not to use tantivy-jieba's tokenizer as is:
//! - Words like 首贷, 专利贷, 税贷 and 政采贷 are not in jieba's general dictionary, so jieba cuts them into
//!   single characters, and a lone 贷 matches nearly every product. Every word of the synonym table
//!   ([`crate::synonyms::dictionary_words`]) is therefore added to the dictionary.
//! - A custom dictionary in tantivy-jieba is owned by the tokenizer, and tantivy clones analyzers per
//!   segment and per snippet generator, which would copy several megabytes each time. This tokenizer
//!   borrows one shared dictionary instead.
//!
//! Text is indexed in search mode, which also emits the dictionary words inside longer words (信用贷款 →
//! 信用, 贷款, 信用贷, 信用贷款), so a query word matches text that contains it. Queries are cut in the
//! precise default mode: 信用贷 searches for 信用贷, not also for 信用 (which every "纳税信用等级" rule
//! contains).
//!
//! jieba cuts the folded text ([`crate::fold`]: simplified, half-width), so 倉單質押 is cut as 仓单质押 and
//! its words are the same terms; each token's offsets point back into the text as written, for highlights.

use crate::fold::fold;
use jieba_rs::{Jieba, TokenizeMode};
use std::sync::LazyLock;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

static JIEBA: LazyLock<Jieba> = LazyLock::new(|| {
    let mut jieba = Jieba::new();
    for word in crate::synonyms::dictionary_words() {
        // No frequency given: jieba picks one just high enough for the word to be kept whole.
        jieba.add_word(word, None, None);
    }
    jieba
});

/// jieba (HMM on) over the shared domain dictionary: search mode for text, default mode for queries.
#[derive(Debug, Clone, Copy)]
pub struct DomainJieba {
    mode: TokenizeMode,
}

impl DomainJieba {
    /// For indexing text: every word and the words inside it.
    pub const TEXT: Self = Self { mode: TokenizeMode::Search };
    /// For cutting queries: the most likely words only.
    pub const QUERY: Self = Self { mode: TokenizeMode::Default };
}

impl Tokenizer for DomainJieba {
    type TokenStream<'a> = DomainTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        let folded = fold(text);
        let cut = folded.text();
        let mut tokens: Vec<Token> = JIEBA
            .tokenize(cut, self.mode, true)
            .into_iter()
            .map(|t| {
                // jieba's words are slices of the folded text: their byte offset is the pointer difference.
                let from = t.word.as_ptr() as usize - cut.as_ptr() as usize;
                let (offset_from, offset_to) = folded.original_range(from, from + t.word.len());
                Token {
                    offset_from,
                    offset_to,
                    position: t.start,
                    text: t.word.to_owned(),
                    position_length: t.end - t.start,
                }
            })
            .collect();
        // Search mode emits a long word's parts after the word itself; tantivy's snippet generator assumes
        // offsets never go backwards (it panics on underflow otherwise), so order by position in the text.
        tokens.sort_by_key(|t| (t.offset_from, t.offset_to));
        DomainTokenStream { tokens, index: None }
    }
}

#[derive(Debug)]
pub struct DomainTokenStream {
    tokens: Vec<Token>,
    index: Option<usize>,
}

impl TokenStream for DomainTokenStream {
    fn advance(&mut self) -> bool {
        let next = self.index.map_or(0, |i| i + 1);
        self.index = Some(next);
        next < self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.index.unwrap_or(0)]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.index.unwrap_or(0)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        let mut tokenizer = DomainJieba::TEXT;
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    #[test]
    fn keeps_the_words_people_search_for_whole() {
        for word in ["首贷", "专利贷", "税贷", "政采贷", "信用贷"] {
            assert!(words(word).contains(&word.to_owned()), "{word}: {:?}", words(word));
        }
        let text = words("科技型企业信用贷款");
        assert!(text.contains(&"信用贷".to_owned()) && text.contains(&"贷款".to_owned()), "{text:?}");
    }

    proptest::proptest! {
        #[test]
        fn offsets_never_go_backwards(text in "[贷款信用担保专利首滨海税银政采购惠农科技型企业融资租赁，。 a-z0-9貸款擔保專利稅銀採購業資ＡＢ１２]{0,60}") {
            let mut tokenizer = DomainJieba::TEXT;
            let mut stream = tokenizer.token_stream(&text);
            let mut last = 0;
            while stream.advance() {
                let t = stream.token();
                proptest::prop_assert!(t.offset_from >= last);
                // These characters fold one by one, so the text a token points at folds to its word.
                let written = fold(&text[t.offset_from..t.offset_to]);
                proptest::prop_assert_eq!(written.text(), t.text.as_str());
                last = t.offset_from;
            }
        }
    }

    #[test]
    fn traditional_and_full_width_text_is_cut_as_simplified_and_points_back() {
        let text = "倉單質押貸款，ＬＰＲ加點";
        let mut tokenizer = DomainJieba::TEXT;
        let mut stream = tokenizer.token_stream(text);
        let mut seen = Vec::new();
        while stream.advance() {
            let t = stream.token();
            seen.push((t.text.clone(), text[t.offset_from..t.offset_to].to_owned()));
        }
        for (word, written) in [("仓单", "倉單"), ("质押", "質押"), ("贷款", "貸款"), ("LPR", "ＬＰＲ")]
        {
            assert!(seen.contains(&(word.to_owned(), written.to_owned())), "{word}: {seen:?}");
        }
    }

    #[test]
    fn offsets_point_into_the_text() {
        let text = "港城滨海首贷通";
        for mut tokenizer in [DomainJieba::TEXT, DomainJieba::QUERY] {
            let mut stream = tokenizer.token_stream(text);
            while stream.advance() {
                let t = stream.token();
                assert_eq!(&text[t.offset_from..t.offset_to], t.text);
            }
        }
    }
}
