//! The one home of Finmart's search vocabulary: query synonyms and the words each product family answers to.
//!
//! People do not type what banks write: they type 专利贷 for 知识产权质押贷款, 税贷 for 银税互动. Two
//! tables bridge that. [`SYNONYM_GROUPS`] expands a query (any member found in the query adds the others);
//! [`family_aliases`] adds, at index time, the words a family is searched by to every product of it (of its
//! main family, and at a lower weight of its further ones).
//! A third, [`GENERIC_WORDS`], lists the words that fit every product, which a query uses only to order
//! what its other words found.

use finmart_domain::ProductFamily;

/// Groups of interchangeable search words. A query containing any member also searches for the others.
pub const SYNONYM_GROUPS: &[&[&str]] = &[
    &["专利", "商标", "知识产权", "知产", "版权", "著作权"],
    &["信用贷", "纯信用", "信用贷款", "免抵押", "无抵押"],
    &["税贷", "银税", "纳税", "税务", "银税互动"],
    &["政采", "政府采购", "政采贷", "中标"],
    &["首贷", "首次贷款", "首贷户"],
    &["续贷", "无还本续贷", "转贷", "无还本"],
    &["担保贷", "融资担保", "担保贷款", "政府性融资担保"],
    &["租赁", "融资租赁", "设备租赁"],
    &["保证保险", "贷款保证保险", "履约保证保险"],
    &["创业", "创业担保", "创业贷"],
    &["抵押贷", "抵押贷款", "房产抵押"],
    &["应收账款", "应收", "账款"],
    // 订单融资 is a family of its own (order financing); a supply-chain product that finances orders says so
    // by that further family.
    &["供应链", "核心企业"],
    &["股权质押", "股权", "股权融资"],
    &["中长期", "长期贷款", "中长期贷款"],
    &["科技", "科创", "科技型"],
    &["仓单质押", "存货质押", "存货融资"],
    &["票据贴现", "贴现", "银票贴现", "商票贴现"],
    &["保函", "履约保函", "投标保函", "预付款保函"],
    &["人才贷", "人才创业贷"],
    &["订单贷", "订单融资"],
];

/// Words that fit (nearly) every product of this catalogue, so they cannot tell which product a person
/// wants. Beside other words they only order what those words found, at a low weight and never through
/// the name boost: 科技企业贷款 finds the 科技 products, not every product named …贷款. A query made of
/// them alone (贷款, 小微企业贷款) still searches for them, and so browses what carries them.
///
/// These are words as jieba cuts queries (precise mode): a compound it keeps whole (中小企业) is listed with
/// its parts, one it splits (小微企业 → 小微 / 企业, 中小微企业 → 中小 / 微 / 企业) by its parts alone.
pub const GENERIC_WORDS: &[&str] = &[
    // What every product is: the family labels end in 贷款 or 融资, descriptions say 信贷 and 借款.
    "贷款",
    "融资",
    "信贷",
    "借款",
    // Whom every product serves: firms, and Finmart's whole audience is small and medium ones.
    "企业",
    "公司",
    "中小企业",
    "小微",
    "中小",
    // Who offers them: half the institutions' names end in 银行 or 公司, every one is a 金融机构. A person
    // after one institution names it.
    "银行",
    "金融",
    "金融机构",
    "机构",
    // Words of every description.
    "产品",
    "业务",
    "服务",
    // The same in English, for the English pages' searches ("patent loan", "loans for small businesses"),
    // and the small words between English words.
    "loan",
    "loans",
    "financing",
    "finance",
    "sme",
    "smes",
    "small",
    "business",
    "businesses",
    "company",
    "companies",
    "enterprise",
    "enterprises",
    "bank",
    "banks",
    "product",
    "products",
    "of",
    "for",
    "the",
    "and",
    "to",
    "with",
    "in",
];

/// Whether a query word is one of [`GENERIC_WORDS`].
#[must_use]
pub fn is_generic(word: &str) -> bool {
    GENERIC_WORDS.contains(&word)
}

/// Words every product of `family` is found by, besides its label: the Chinese words people type, and the
/// English words an English page's reader types (`patent loan` finds the 知识产权质押 products; the index
/// lower-cases text, and an English word counts only as a whole word).
#[must_use]
pub fn family_aliases(family: ProductFamily) -> &'static str {
    match family {
        ProductFamily::Credit => "信用贷 纯信用 信用贷款 免抵押 无抵押 credit unsecured",
        ProductFamily::FirstLoan => "首贷 首次贷款 首贷户 首贷通 first",
        ProductFamily::Mortgage => "抵押贷 抵押贷款 房产抵押 mortgage",
        ProductFamily::Guaranteed => "担保贷 担保贷款 融资担保 政府性融资担保 guarantee guaranteed",
        ProductFamily::IpPledge => "专利贷 知识产权 专利 商标 版权 质押 知产贷 patent patents ip trademark copyright",
        ProductFamily::Receivables => "应收账款 应收 账款 保理 receivable receivables factoring",
        ProductFamily::SupplyChain => "供应链 核心企业 上下游 supply chain",
        ProductFamily::TaxCredit => "税贷 银税 纳税 银税互动 税务 tax",
        ProductFamily::GovProcurement => "政采贷 政采 政府采购 中标 procurement government",
        ProductFamily::StartupGuarantee => "创业 创业担保 创业贷 创业担保贷款 startup entrepreneur",
        ProductFamily::Renewal => "续贷 无还本续贷 无还本 转贷 renewal renew",
        ProductFamily::MediumLongTerm => "中长期 中长期贷款 长期贷款 项目贷款 long medium project",
        ProductFamily::EquityPledge => "股权质押 股权 股权融资 equity",
        ProductFamily::Leasing => "租赁 融资租赁 设备租赁 售后回租 直租 leasing lease",
        ProductFamily::Insurance => "保险 保证保险 贷款保证保险 insurance",
        ProductFamily::Tech => "科技贷 科创贷 科技型 科创 technology tech innovation",
        ProductFamily::Equipment => "设备贷 技改贷 设备购置 技术改造 equipment machinery",
        ProductFamily::InventoryPledge => "仓单质押 存货质押 存货融资 仓单 存货 inventory warehouse",
        ProductFamily::BillDiscount => "票据贴现 贴现 银票贴现 商票贴现 bill bills discount discounting",
        ProductFamily::LetterOfGuarantee => "保函 履约保函 投标保函 预付款保函 letter",
        ProductFamily::Talent => "人才贷 人才创业贷 人才 talent talents",
        ProductFamily::OrderFinancing => "订单贷 订单融资 订单 order orders",
    }
}

/// Every word of the three tables, for the tokenizer's dictionary: so that jieba keeps 专利贷 or 首贷 whole,
/// and cuts 小微 out of a name such as 津沽小微企业贷款 as it does out of a query.
pub fn dictionary_words() -> impl Iterator<Item = &'static str> {
    use finmart_domain::Labelled;
    SYNONYM_GROUPS
        .iter()
        .flat_map(|group| group.iter().copied())
        .chain(ProductFamily::ALL.iter().flat_map(|f| family_aliases(*f).split_whitespace()))
        .chain(GENERIC_WORDS.iter().copied())
}

/// The phrases a query should also search for: every other member of each group it mentions.
#[must_use]
pub fn expansions(query: &str) -> Vec<&'static str> {
    let mut extra = Vec::new();
    for group in SYNONYM_GROUPS {
        if group.iter().any(|w| query.contains(w)) {
            extra.extend(group.iter().filter(|w| !query.contains(**w)));
        }
    }
    extra.sort_unstable();
    extra.dedup();
    extra
}

#[cfg(test)]
mod tests {
    use super::*;
    use finmart_domain::Labelled;

    #[test]
    fn expands_the_words_people_type() {
        assert!(expansions("专利贷").contains(&"知识产权"));
        assert!(expansions("税贷").contains(&"银税"));
        assert!(expansions("政采贷").contains(&"政府采购"));
        assert!(!expansions("专利贷").contains(&"专利"), "words already in the query are not repeated");
        assert!(expansions("天气").is_empty());
    }

    #[test]
    fn generic_words_are_words_queries_are_cut_into() {
        // An entry jieba never produces would never apply.
        let mut analyzer = crate::schema::query_analyzer();
        let split: Vec<(&str, Vec<String>)> = GENERIC_WORDS
            .iter()
            .map(|word| (*word, crate::query::tokens(&mut analyzer, word)))
            .filter(|(word, cut)| cut != &[(*word).to_owned()])
            .collect();
        assert!(split.is_empty(), "{split:?}");
    }

    #[test]
    fn every_family_has_aliases() {
        for family in ProductFamily::ALL {
            assert!(!family_aliases(*family).is_empty());
        }
    }

    /// The words people call the later families by are their aliases, and whole words of a query.
    #[test]
    fn later_families_answer_to_their_common_names() {
        use ProductFamily as F;
        let mut analyzer = crate::schema::query_analyzer();
        for (family, words) in [
            (F::Tech, &["科技贷", "科创贷"][..]),
            (F::Equipment, &["设备贷", "技改贷"]),
            (F::InventoryPledge, &["仓单质押", "存货质押", "存货融资"]),
            (F::BillDiscount, &["票据贴现", "贴现", "银票贴现", "商票贴现"]),
            (F::LetterOfGuarantee, &["保函", "履约保函", "投标保函", "预付款保函"]),
            (F::Talent, &["人才贷", "人才创业贷"]),
            (F::OrderFinancing, &["订单贷", "订单融资"]),
        ] {
            let aliases: Vec<&str> = family_aliases(family).split_whitespace().collect();
            for word in words {
                assert!(aliases.contains(word), "{family}: {word}");
                assert_eq!(crate::query::tokens(&mut analyzer, word), [(*word).to_owned()], "{word} is cut");
            }
        }
        // Traditional characters fold to the same word.
        let folded = crate::fold::fold("倉單質押");
        assert_eq!(crate::query::tokens(&mut analyzer, folded.text()), ["仓单质押"]);
    }
}
