//! The static tables the demo catalogue is generated from: fictional institutions, per-family product name
//! stems with their lead sentences, description phrases, and a few hand-written flagship products.
//!
//! Every name here is invented. Words that searches look for (信用贷, 专利, 银税, 政采, 首贷, 续贷, 担保,
//! 租赁, 保险, 抵押, 股权, 供应链, 应收账款, 中长期, 科技贷, 贴现, 保函, 仓单质押, 人才贷) are kept to the
//! family they describe, so a search for one family's words finds that family first; a product that is of
//! two families says so by its further family (`more_families`), not by borrowing the other's words.

use finmart_domain::PrioritySector as S;
use finmart_domain::{InstitutionKind, LifecycleState, ProductFamily as F};
use finmart_synth::tianjin as D;

/// How a product stem narrows the family's usual eligibility rules and features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flavor {
    Plain,
    /// Applied and decided online, within a day or two.
    Online,
    /// 国家科技型中小企业 or 高新技术企业.
    Tech,
    /// 专精特新 or 小巨人.
    Giant,
    /// 瞪羚, 雏鹰 or 领军.
    Gazelle,
    /// Enterprises in one of these priority sectors.
    Sectors(&'static [S]),
    /// Agriculture only.
    Agri,
    /// Wholesale, retail, catering and accommodation.
    Trade,
    /// Industry (manufacturing) only.
    Mfg,
    /// Construction only.
    Build,
    /// Micro and small enterprises only.
    Micro,
    /// IP pledge on trademarks rather than patents.
    Trademark,
    /// 创业担保贷款 re-support: up to 50 万 for a business employing five or more.
    ReSupport,
    /// A revolving line: repaid and drawn at will.
    Revolving,
}

/// A product name stem (the part after the institution's brand) and the sentence that opens its description.
#[derive(Debug, Clone, Copy)]
pub(super) struct Stem {
    pub name: &'static str,
    pub lead: &'static str,
    pub flavor: Flavor,
}

const fn st(name: &'static str, lead: &'static str, flavor: Flavor) -> Stem {
    Stem { name, lead, flavor }
}

/// One fictional institution: identity, brand (the prefix of its product names), product-code prefix, the
/// districts it mostly serves, and how many products of each family it lists.
#[derive(Debug, Clone, Copy)]
pub(super) struct Inst {
    pub code: &'static str,
    pub name: &'static str,
    pub brand: &'static str,
    pub prefix: &'static str,
    pub kind: InstitutionKind,
    pub intro: &'static str,
    pub home: &'static [u32],
    pub offer: &'static [(F, u8)],
}

use InstitutionKind::{Bank, GuaranteeAgency, Insurer, Leasing, MicroCredit};

#[rustfmt::skip]
pub(super) const INSTITUTIONS: &[Inst] = &[
    // ---- banks ----
    Inst { code: "jingu-bank", name: "津沽商业银行", brand: "津沽", prefix: "JGB", kind: Bank,
        intro: "总部位于和平区的城市商业银行，深耕天津本地小微金融服务，网点覆盖全市十六个区。",
        home: &[D::HEPING, D::HEXI, D::NANKAI],
        offer: &[(F::Credit, 3), (F::FirstLoan, 2), (F::Mortgage, 2), (F::Guaranteed, 2), (F::IpPledge, 2),
            (F::Receivables, 2), (F::SupplyChain, 2), (F::TaxCredit, 2), (F::GovProcurement, 2),
            (F::StartupGuarantee, 1), (F::Renewal, 2), (F::MediumLongTerm, 2), (F::EquityPledge, 1),
            (F::Insurance, 1),
            (F::BillDiscount, 1)] },
    Inst { code: "haihe-bank", name: "海河科创银行", brand: "海河", prefix: "HHB", kind: Bank,
        intro: "以科技金融为特色的商业银行，设有科技支行和知识产权金融服务中心，重点服务滨海新区、西青区的科创企业。",
        home: &[D::BINHAI, D::XIQING, D::DONGLI, D::NANKAI],
        offer: &[(F::Credit, 4), (F::FirstLoan, 2), (F::Mortgage, 1), (F::Guaranteed, 2), (F::IpPledge, 4),
            (F::Receivables, 1), (F::SupplyChain, 1), (F::TaxCredit, 2), (F::GovProcurement, 1),
            (F::StartupGuarantee, 1), (F::Renewal, 2), (F::MediumLongTerm, 2), (F::EquityPledge, 3),
            (F::Insurance, 1),
            (F::Tech, 2), (F::Talent, 1)] },
    Inst { code: "gushang-rcb", name: "沽上农村商业银行", brand: "沽上", prefix: "GSR", kind: Bank,
        intro: "扎根涉农区县的农村商业银行，专注服务乡村振兴、种养殖户和县域小微企业。",
        home: &[D::XIQING, D::JINNAN, D::JINGHAI, D::NINGHE, D::BEICHEN],
        offer: &[(F::Credit, 2), (F::FirstLoan, 2), (F::Mortgage, 3), (F::Guaranteed, 3), (F::IpPledge, 1),
            (F::Receivables, 1), (F::SupplyChain, 1), (F::TaxCredit, 2), (F::GovProcurement, 1),
            (F::StartupGuarantee, 2), (F::Renewal, 2), (F::MediumLongTerm, 1), (F::Insurance, 1)] },
    Inst { code: "weijin-bank", name: "卫津商业银行", brand: "卫津", prefix: "WJB", kind: Bank,
        intro: "服务中心城区商贸、文旅和服务业小微企业的商业银行，推行“一次调查、限时办结”。",
        home: &[D::HEDONG, D::HEBEI, D::HONGQIAO, D::HEPING],
        offer: &[(F::Credit, 2), (F::FirstLoan, 1), (F::Mortgage, 2), (F::Guaranteed, 2), (F::IpPledge, 2),
            (F::Receivables, 1), (F::SupplyChain, 2), (F::TaxCredit, 2), (F::GovProcurement, 2),
            (F::StartupGuarantee, 1), (F::Renewal, 1), (F::MediumLongTerm, 1), (F::EquityPledge, 1),
            (F::BillDiscount, 1)] },
    Inst { code: "jinding-bank", name: "津鼎银行", brand: "津鼎", prefix: "JDB", kind: Bank,
        intro: "聚焦制造业和产业链金融的商业银行，在东丽区、津南区设有产业金融服务中心。",
        home: &[D::HEXI, D::DONGLI, D::JINNAN],
        offer: &[(F::Credit, 2), (F::FirstLoan, 1), (F::Mortgage, 2), (F::Guaranteed, 2), (F::IpPledge, 1),
            (F::Receivables, 2), (F::SupplyChain, 2), (F::TaxCredit, 2), (F::GovProcurement, 1),
            (F::StartupGuarantee, 1), (F::Renewal, 1), (F::MediumLongTerm, 2), (F::EquityPledge, 1),
            (F::Insurance, 1),
            (F::Equipment, 2), (F::BillDiscount, 1), (F::OrderFinancing, 1)] },
    Inst { code: "gangcheng-bank", name: "港城发展银行", brand: "港城", prefix: "GCB", kind: Bank,
        intro: "立足滨海新区的商业银行，服务港口物流、海洋经济和自贸试验区外向型企业。",
        home: &[D::BINHAI, D::DONGLI, D::NINGHE],
        offer: &[(F::Credit, 2), (F::FirstLoan, 2), (F::Mortgage, 2), (F::Guaranteed, 1), (F::IpPledge, 2),
            (F::Receivables, 2), (F::SupplyChain, 2), (F::TaxCredit, 1), (F::GovProcurement, 1),
            (F::StartupGuarantee, 1), (F::Renewal, 1), (F::MediumLongTerm, 2), (F::EquityPledge, 1),
            (F::InventoryPledge, 1)] },
    Inst { code: "minfeng-bank", name: "津北民丰银行", brand: "民丰", prefix: "MFB", kind: Bank,
        intro: "服务武清、北辰、宝坻等北部区县的商业银行，以物流、电商和先进制造企业为重点客群。",
        home: &[D::WUQING, D::BEICHEN, D::BAODI],
        offer: &[(F::Credit, 2), (F::FirstLoan, 1), (F::Mortgage, 2), (F::Guaranteed, 2), (F::IpPledge, 1),
            (F::Receivables, 1), (F::SupplyChain, 1), (F::TaxCredit, 2), (F::GovProcurement, 1),
            (F::StartupGuarantee, 2), (F::Renewal, 2), (F::MediumLongTerm, 1), (F::Insurance, 1),
            (F::Equipment, 1), (F::InventoryPledge, 1), (F::OrderFinancing, 1)] },
    Inst { code: "qihang-bank", name: "启航数字银行", brand: "启航", prefix: "QHB", kind: Bank,
        intro: "以线上业务为主的数字银行，依托税务、结算和工商数据为小微企业提供全流程线上贷款。",
        home: &[D::HEPING, D::HEXI],
        offer: &[(F::Credit, 4), (F::FirstLoan, 2), (F::Mortgage, 1), (F::Guaranteed, 1), (F::IpPledge, 1),
            (F::Receivables, 1), (F::SupplyChain, 2), (F::TaxCredit, 3), (F::GovProcurement, 2),
            (F::Renewal, 2), (F::Insurance, 1)] },
    Inst { code: "taihe-bank", name: "泰合商业银行", brand: "泰合", prefix: "THB", kind: Bank,
        intro: "服务南开区、红桥区和西青区的商业银行，重点支持科技服务和商贸流通企业。",
        home: &[D::NANKAI, D::HONGQIAO, D::XIQING],
        offer: &[(F::Credit, 2), (F::FirstLoan, 1), (F::Mortgage, 2), (F::Guaranteed, 2), (F::IpPledge, 1),
            (F::Receivables, 1), (F::SupplyChain, 1), (F::TaxCredit, 1), (F::GovProcurement, 1),
            (F::StartupGuarantee, 1), (F::Renewal, 1), (F::MediumLongTerm, 1), (F::EquityPledge, 1),
            (F::Tech, 1), (F::Talent, 1)] },
    Inst { code: "runjin-bank", name: "润津银行", brand: "润津", prefix: "RJB", kind: Bank,
        intro: "深耕武清、静海、宝坻的区域性商业银行，支持产业园区和县域特色产业发展。",
        home: &[D::WUQING, D::JINGHAI, D::BAODI],
        offer: &[(F::Credit, 2), (F::FirstLoan, 1), (F::Mortgage, 2), (F::Guaranteed, 1), (F::IpPledge, 1),
            (F::Receivables, 1), (F::SupplyChain, 1), (F::TaxCredit, 1), (F::GovProcurement, 1),
            (F::StartupGuarantee, 1), (F::Renewal, 1), (F::MediumLongTerm, 1), (F::EquityPledge, 1),
            (F::Insurance, 1),
            (F::Equipment, 1)] },
    Inst { code: "gulou-bank", name: "鼓楼商业银行", brand: "鼓楼", prefix: "GLB", kind: Bank,
        intro: "服务老城区商圈和社区小微企业的商业银行，擅长个体工商户和小店经济金融服务。",
        home: &[D::NANKAI, D::HEPING, D::HONGQIAO, D::HEBEI],
        offer: &[(F::Credit, 2), (F::FirstLoan, 2), (F::Mortgage, 2), (F::Guaranteed, 1), (F::IpPledge, 1),
            (F::Receivables, 1), (F::SupplyChain, 1), (F::TaxCredit, 1), (F::GovProcurement, 1),
            (F::StartupGuarantee, 1), (F::Renewal, 1), (F::MediumLongTerm, 1), (F::EquityPledge, 1)] },
    Inst { code: "xinghai-bank", name: "星海银行", brand: "星海", prefix: "XHB", kind: Bank,
        intro: "服务滨海新区、津南区新兴产业的商业银行，在生物医药、新能源领域有专业团队。",
        home: &[D::BINHAI, D::JINNAN],
        offer: &[(F::Credit, 2), (F::FirstLoan, 1), (F::Mortgage, 1), (F::Guaranteed, 1), (F::IpPledge, 2),
            (F::Receivables, 1), (F::SupplyChain, 2), (F::TaxCredit, 1), (F::GovProcurement, 1),
            (F::StartupGuarantee, 1), (F::Renewal, 1), (F::MediumLongTerm, 2), (F::EquityPledge, 1),
            (F::Tech, 1), (F::Talent, 1)] },
    Inst { code: "jibei-rcb", name: "蓟北农村商业银行", brand: "蓟北", prefix: "JBR", kind: Bank,
        intro: "服务蓟州、宝坻、宁河的农村商业银行，支持乡村旅游、特色种养和农产品加工。",
        home: &[D::JIZHOU, D::BAODI, D::NINGHE],
        offer: &[(F::Credit, 2), (F::FirstLoan, 2), (F::Mortgage, 2), (F::Guaranteed, 2), (F::SupplyChain, 1),
            (F::TaxCredit, 1), (F::GovProcurement, 1), (F::StartupGuarantee, 2), (F::Renewal, 1),
            (F::MediumLongTerm, 1), (F::Insurance, 1)] },
    Inst { code: "changlu-bank", name: "长芦银行", brand: "长芦", prefix: "CLB", kind: Bank,
        intro: "以“蓝色金融”为特色的商业银行，服务海洋经济、港航物流和临港制造企业。",
        home: &[D::BINHAI, D::JINGHAI, D::NINGHE, D::JINNAN],
        offer: &[(F::Credit, 2), (F::FirstLoan, 1), (F::Mortgage, 2), (F::Guaranteed, 2), (F::IpPledge, 1),
            (F::Receivables, 1), (F::SupplyChain, 2), (F::TaxCredit, 1), (F::GovProcurement, 1),
            (F::StartupGuarantee, 1), (F::Renewal, 1), (F::MediumLongTerm, 2), (F::EquityPledge, 1),
            (F::InventoryPledge, 1)] },
    // ---- micro-credit companies ----
    Inst { code: "beiyang-mc", name: "北洋小额贷款有限公司", brand: "北洋", prefix: "BYX", kind: MicroCredit,
        intro: "服务和平区、河北区、河东区商圈个体工商户和小微企业的小额贷款公司，额度小、放款快。",
        home: &[D::HEPING, D::HEBEI, D::HEDONG],
        offer: &[(F::Credit, 2), (F::TaxCredit, 1), (F::SupplyChain, 1)] },
    Inst { code: "huize-mc", name: "汇泽小额贷款有限公司", brand: "汇泽", prefix: "HZX", kind: MicroCredit,
        intro: "服务南开区、河西区科技服务和商贸企业的小额贷款公司，擅长账款和中标订单融资。",
        home: &[D::NANKAI, D::HEXI],
        offer: &[(F::Credit, 1), (F::TaxCredit, 1), (F::Receivables, 1), (F::GovProcurement, 1),
            (F::OrderFinancing, 1)] },
    Inst { code: "bincheng-mc", name: "滨城普惠小额贷款有限公司", brand: "滨城", prefix: "BCX", kind: MicroCredit,
        intro: "注册于滨海新区的小额贷款公司，服务自贸试验区和开发区的小微企业与个体工商户。",
        home: &[D::BINHAI],
        offer: &[(F::Credit, 2), (F::SupplyChain, 1), (F::Receivables, 1)] },
    Inst { code: "jincheng-mc", name: "锦程小额贷款有限公司", brand: "锦程", prefix: "JCX", kind: MicroCredit,
        intro: "服务武清区、北辰区物流和制造业企业的小额贷款公司，专注订单和产业链融资。",
        home: &[D::WUQING, D::BEICHEN],
        offer: &[(F::Credit, 1), (F::SupplyChain, 1), (F::GovProcurement, 1), (F::TaxCredit, 1),
            (F::OrderFinancing, 1)] },
    Inst { code: "juyuan-mc", name: "聚源小额贷款有限公司", brand: "聚源", prefix: "JYX", kind: MicroCredit,
        intro: "扎根蓟州区、宝坻区的小额贷款公司，服务农家院、特色农产品和县域小商户。",
        home: &[D::JIZHOU, D::BAODI],
        offer: &[(F::Credit, 1), (F::Receivables, 1), (F::TaxCredit, 1)] },
    // ---- leasing companies ----
    Inst { code: "jingang-leasing", name: "津港融资租赁有限公司", brand: "津港", prefix: "JGL", kind: Leasing,
        intro: "注册于东疆的融资租赁公司，提供设备直租、售后回租和船舶、医疗设备租赁服务。",
        home: &[D::BINHAI, D::DONGLI],
        offer: &[(F::Leasing, 5)] },
    Inst { code: "haisheng-leasing", name: "海晟融资租赁有限公司", brand: "海晟", prefix: "HSL", kind: Leasing,
        intro: "专注新能源和高端装备领域的融资租赁公司，支持光伏、氢能和智能制造设备投资。",
        home: &[D::BINHAI, D::JINNAN, D::XIQING],
        offer: &[(F::Leasing, 5)] },
    Inst { code: "hengyuan-leasing", name: "恒远融资租赁有限公司", brand: "恒远", prefix: "HYL", kind: Leasing,
        intro: "服务北辰、武清、西青制造业企业的融资租赁公司，以工程机械、农机和生产线设备为主。",
        home: &[D::BEICHEN, D::WUQING, D::XIQING, D::JINGHAI],
        offer: &[(F::Leasing, 4)] },
    // ---- insurers ----
    Inst { code: "anjin-insurance", name: "安津财产保险股份有限公司", brand: "安津", prefix: "AJI", kind: Insurer,
        intro: "经营财产保险和保证保险的保险公司，与多家银行合作开展小微企业贷款保证保险业务。",
        home: &[],
        offer: &[(F::Insurance, 5)] },
    Inst { code: "ruihe-insurance", name: "瑞禾财产保险股份有限公司", brand: "瑞禾", prefix: "RHI", kind: Insurer,
        intro: "以科技保险和贷款保证保险为特色的财产保险公司，为科技型中小企业融资提供增信。",
        home: &[],
        offer: &[(F::Insurance, 3)] },
    // ---- guarantee agencies (list no products of their own) ----
    Inst { code: "jinmen-guarantee", name: "津门融资担保有限公司", brand: "津门融资担保", prefix: "JMG",
        kind: GuaranteeAgency,
        intro: "政府性融资担保机构，与多家银行开展“银担”批量合作，主要为小微企业和“三农”主体提供融资担保。",
        home: &[], offer: &[] },
    Inst { code: "jinke-guarantee", name: "津科融资担保有限公司", brand: "津科融资担保", prefix: "JKG",
        kind: GuaranteeAgency,
        intro: "专注科技型中小企业的政府性融资担保机构，提供知识产权质押和科技贷款担保。",
        home: &[], offer: &[] },
    Inst { code: "huiying-guarantee", name: "汇盈融资担保有限公司", brand: "汇盈融资担保", prefix: "HYG",
        kind: GuaranteeAgency,
        intro: "服务商贸流通和制造业小微企业的融资担保公司，提供流动资金贷款担保和续贷担保。",
        home: &[], offer: &[] },
    Inst { code: "jinnong-guarantee", name: "津农融资担保有限公司", brand: "津农融资担保", prefix: "JNG",
        kind: GuaranteeAgency,
        intro: "服务涉农主体的政府性融资担保机构，为种养殖户、农民专业合作社和农产品加工企业提供担保。",
        home: &[], offer: &[] },
    Inst { code: "jinchuang-guarantee", name: "津创融资担保有限公司", brand: "津创融资担保", prefix: "JCG",
        kind: GuaranteeAgency,
        intro: "承办创业担保贷款担保业务的政府性融资担保机构，为创业者和小微企业提供免反担保的担保服务。",
        home: &[], offer: &[] },
    Inst { code: "xincheng-guarantee", name: "鑫诚融资担保有限公司", brand: "鑫诚融资担保", prefix: "XCG",
        kind: GuaranteeAgency,
        intro: "服务滨海新区和环城四区的融资担保公司，为产业链上下游中小企业提供担保增信。",
        home: &[], offer: &[] },
];

/// Districts with farmland, for agricultural products that serve only part of the city.
pub(super) const RURAL: &[u32] =
    &[D::XIQING, D::JINNAN, D::BEICHEN, D::WUQING, D::BAODI, D::NINGHE, D::JINGHAI, D::JIZHOU, D::DONGLI];
/// Coastal districts, for marine-economy products that serve only part of the city.
pub(super) const COASTAL: &[u32] = &[D::BINHAI, D::NINGHE];

/// The general-purpose guarantee agencies, for guaranteed products without a specialist partner.
pub(super) const GENERAL_AGENCIES: &[&str] = &["jinmen-guarantee", "huiying-guarantee", "xincheng-guarantee"];
pub(super) const TECH_AGENCY: &str = "jinke-guarantee";
pub(super) const AGRI_AGENCY: &str = "jinnong-guarantee";
pub(super) const STARTUP_AGENCY: &str = "jinchuang-guarantee";

/// A hand-written flagship product: it takes the first slot of its family at its institution.
#[derive(Debug, Clone, Copy)]
pub(super) struct Featured {
    pub inst: &'static str,
    pub family: F,
    pub stem: Stem,
    /// `true` when `stem.name` is the full product name (no brand prefix).
    pub full_name: bool,
    /// Where it is offered.
    pub area: Area,
}

/// Where a flagship product is offered.
#[derive(Debug, Clone, Copy)]
pub(super) enum Area {
    /// As the generator draws it.
    Drawn,
    /// These districts (codes).
    Districts(&'static [u32]),
    /// 全国 (the generator's draws are made all the same, so the product's other facts stay as drawn).
    Nationwide,
}

#[rustfmt::skip]
pub(super) const FEATURED: &[Featured] = &[
    Featured { inst: "haihe-bank", family: F::Credit, full_name: true, area: Area::Drawn,
        stem: st("小巨人成长贷", "专为国家级、市级专精特新“小巨人”企业打造的成长型信用贷款，额度随研发投入和订单增长动态提升", Flavor::Giant) },
    Featured { inst: "haihe-bank", family: F::IpPledge, full_name: false, area: Area::Drawn,
        stem: st("专利宝", "以发明专利质押、按专利评估价值核定额度的知识产权质押融资产品，重点支持生物医药、新材料企业", Flavor::Tech) },
    Featured { inst: "gushang-rcb", family: F::Guaranteed, full_name: false, area: Area::Districts(&[D::JINGHAI, D::NINGHE, D::JINNAN]),
        stem: st("惠农担保贷", "面向种养殖大户、农民专业合作社和农产品加工小微企业，由政府性融资担保机构提供担保的惠农贷款", Flavor::Agri) },
    Featured { inst: "gangcheng-bank", family: F::FirstLoan, full_name: false, area: Area::Districts(&[D::BINHAI]),
        stem: st("滨海首贷通", "专为在滨海新区注册、从未取得过银行贷款的首贷户小微企业设计，首次贷款享受优惠利率", Flavor::Micro) },
    Featured { inst: "xinghai-bank", family: F::FirstLoan, full_name: false, area: Area::Districts(&[D::BINHAI, D::JINNAN]),
        stem: st("首贷易", "面向滨海新区、津南区尚无银行贷款记录的科技型小微企业的首贷产品", Flavor::Tech) },
    Featured { inst: "weijin-bank", family: F::GovProcurement, full_name: false, area: Area::Nationwide,
        stem: st("政采e贷", "凭政府采购中标通知书和采购合同即可申请的线上政采贷款，资金直接用于履约备货", Flavor::Online) },
    Featured { inst: "qihang-bank", family: F::Credit, full_name: false, area: Area::Drawn,
        stem: st("秒贷", "全流程线上的小微企业信用贷款，系统自动审批，最快三分钟出额度", Flavor::Online) },
    Featured { inst: "changlu-bank", family: F::MediumLongTerm, full_name: true, area: Area::Districts(&[D::BINHAI, D::NINGHE]),
        stem: st("蓝海中长期贷", "支持海洋经济、港口物流和海工装备企业购建船舶、码头设施等固定资产的中长期贷款", Flavor::Sectors(&[S::MarineEconomy, S::HighEndEquipment])) },
    Featured { inst: "haisheng-leasing", family: F::Leasing, full_name: false, area: Area::Nationwide,
        stem: st("氢能装备融资租赁", "为氢能制储运加企业购置电解槽、储氢罐和加氢站设备提供的融资租赁服务", Flavor::Sectors(&[S::Hydrogen, S::NewEnergy])) },
    Featured { inst: "beiyang-mc", family: F::Credit, full_name: false, area: Area::Districts(&[D::HEPING, D::HEBEI]),
        stem: st("商户贷", "面向和平区、河北区商圈个体工商户和小店店主的小额信用贷款，凭经营流水即可申请", Flavor::Trade) },
];

/// Products that exist but are not in the public catalogue: drafts, products under review, paused and
/// archived ones. Each takes the institution's next unused stem of its family, with `suffix` appended.
#[rustfmt::skip]
pub(super) const UNLISTED: &[(&str, F, LifecycleState, &str)] = &[
    ("jingu-bank", F::Credit, LifecycleState::Archived, "（2024版）"),
    ("haihe-bank", F::IpPledge, LifecycleState::Draft, "（试点）"),
    ("gushang-rcb", F::Mortgage, LifecycleState::Paused, "（暂停受理）"),
    ("qihang-bank", F::TaxCredit, LifecycleState::InReview, "（新版）"),
    ("weijin-bank", F::SupplyChain, LifecycleState::Draft, "（试点）"),
    ("jinding-bank", F::GovProcurement, LifecycleState::Paused, "（暂停受理）"),
    ("beiyang-mc", F::Credit, LifecycleState::Archived, "（旧版）"),
    ("jingang-leasing", F::Leasing, LifecycleState::InReview, "（新版）"),
    ("anjin-insurance", F::Insurance, LifecycleState::Draft, "（试点）"),
    ("changlu-bank", F::EquityPledge, LifecycleState::Paused, "（暂停受理）"),
    ("taihe-bank", F::FirstLoan, LifecycleState::Archived, "（2023版）"),
];

/// Products written as real product pages are, leaving facts out (未说明): each is the import row its
/// (fictional) lender would upload for its page (`docs/import-format.md`), without the columns the page
/// says nothing about. They show 未说明 on product pages and put a firm's match under 需向机构确认 where a
/// fact it needs is not stated, or where the page states conditions in its own words (其他条件). Each is
/// listed after its institution's generated products.
#[rustfmt::skip]
pub(super) const PAGES: &[(&str, &[(&str, &str)])] = &[
    // "最高 500 万元", "LPR 加点" without the spread; no minimum, repayment method, decision time, collateral,
    // channel or area stated.
    ("haihe-bank", &[
        ("code", "HHB-CR-P01"),
        ("name", "海河科技贷"),
        ("family", "credit"),
        ("more_families", "tech"),
        ("description", "面向国家科技型中小企业、高新技术企业、创新型中小企业的科技贷款，单户额度最高500万元，期限最长3年，利率在LPR基础上加点确定。企业及实际控制人征信良好，经营者无不良嗜好。额度、利率和办理方式以银行审批为准。"),
        ("amount_max_yuan", "500万"),
        ("term_max_months", "3年"),
        ("rate_basis", "lpr_1y"),
        ("eligibility", "qualifications_any=tech_sme|high_tech|innovative_sme; min_years_in_operation=1; other_conditions=企业及实际控制人征信良好|经营者无不良嗜好"),
        ("policy_support", "risk_compensation"),
    ]),
    // "信用、抵押均可": credit alone or a real-estate mortgage; "年利率 3.45% 起" without a ceiling; "年纳税额不超过
    // 50 万元", an upper bound.
    ("weijin-bank", &[
        ("code", "WJB-CR-P01"),
        ("name", "卫津普惠经营贷"),
        ("family", "credit"),
        ("description", "面向年纳税额不超过50万元的小微企业和个体工商户的普惠经营贷款，信用、抵押均可，最高1000万元，期限最长3年，年利率3.45%起，可等额本息或先息后本还款。"),
        ("amount_max_yuan", "1000万"),
        ("term_max_months", "36"),
        ("rate_min_pct", "3.45"),
        ("repayment_methods", "equal_instalment|interest_only"),
        ("collateral", "none|real_estate"),
        ("eligibility", "min_years_in_operation=1; no_overdue_months=24; tax_paid_yuan=..50万"),
        ("districts", "河东区、河北区、红桥区、和平区"),
    ]),
    // "房产抵押 + 第三方保证": both together; no rate or decision time stated; applied for in person.
    ("gushang-rcb", &[
        ("code", "GSR-MG-P01"),
        ("name", "沽上抵押保证贷"),
        ("family", "mortgage"),
        ("description", "以企业或实际控制人名下房产抵押，并由第三方提供连带责任保证的经营贷款，额度50万元至2000万元，期限1至10年，需到网点办理抵押登记。利率以银行审批为准。"),
        ("amount_min_yuan", "50万"),
        ("amount_max_yuan", "2000万"),
        ("term_min_months", "12"),
        ("term_max_months", "120"),
        ("repayment_methods", "equal_instalment|equal_principal"),
        ("collateral", "real_estate+guarantee"),
        ("eligibility", "min_years_in_operation=2; max_debt_ratio_pct=70"),
        ("online", "false"),
        ("districts", "120111|120112|120118|120117|120113"),
    ]),
    // Letters of guarantee: a fee for the bank's promise, no interest and nothing to repay unless called, so
    // no rate or repayment method; the fee and what secures it are decided case by case.
    ("jingu-bank", &[
        ("code", "JGB-LG-P01"),
        ("name", "津沽电子保函"),
        ("family", "letter_of_guarantee"),
        ("description", "为参加工程招投标、签订施工和采购合同的企业开立投标保函、履约保函和预付款保函，可开立电子保函，替代现金保证金，单笔最高3000万元。保函费率和担保方式以银行审批为准。"),
        ("amount_max_yuan", "3000万"),
        ("term_max_months", "3年"),
        ("eligibility", "min_years_in_operation=1; no_overdue_months=24"),
        ("decision_days", "3"),
        ("online", "true"),
        ("districts", "all"),
    ]),
    ("weijin-bank", &[
        ("code", "WJB-LG-P01"),
        ("name", "卫津履约保函"),
        ("family", "letter_of_guarantee"),
        ("description", "为签订工程施工、货物采购合同的企业开立的履约保函和质量保函，额度最高1000万元，按年收取保函费，可由第三方提供保证或以房产抵押。"),
        ("amount_max_yuan", "1000万"),
        ("collateral", "guarantee|real_estate"),
        ("eligibility", "min_years_in_operation=2; max_debt_ratio_pct=70"),
        ("online", "false"),
        ("districts", "hedong|hebei|hongqiao|heping"),
    ]),
    ("changlu-bank", &[
        ("code", "CLB-LG-P01"),
        ("name", "长芦港航保函"),
        ("family", "letter_of_guarantee"),
        ("description", "为港航物流、海工装备企业开立的投标保函、预付款保函和付款保函，支持海关税费保函，额度、期限和保函费率以银行审批为准。"),
        ("eligibility", "min_years_in_operation=1"),
        ("districts", "binhai|ninghe"),
    ]),
];

/// Products whose pages write the rate or the guarantee fee in the other forms pages use, by code: the
/// pricing cells (`docs/import-format.md`) that replace the generated ones. The demo's counts stay as they
/// are; only how these products are priced changes.
#[rustfmt::skip]
pub(super) const PRICED: &[(&str, &[(&str, &str)])] = &[
    // A micro-credit company quoting a monthly rate: 月息 0.6%–0.8%.
    ("BYX-CR-002", &[("rate_min_pct", "月息0.6%"), ("rate_max_pct", "月息0.8%")]),
    // And a daily one: 日息万分之二 to 万分之三.
    ("HZX-CR-001", &[("rate_unit", "daily"), ("rate_min_pct", "万分之二"), ("rate_max_pct", "万分之3")]),
    // A rural bank on the PBOC benchmark rate: 上浮 30%, and "不超过基准利率的 1.3 倍" from 上浮 10%.
    ("GSR-CR-001", &[("rate_basis", "benchmark"), ("benchmark_markup_min_pct", "30"), ("benchmark_markup_max_pct", "30")]),
    ("GSR-MG-001", &[("rate_basis", "基准利率"), ("benchmark_markup_min_pct", "上浮10%"), ("benchmark_markup_max_pct", "1.3倍")]),
    // LPR + 50~150BP, written as the page writes it.
    ("JGB-CR-001", &[("rate_basis", "lpr_1y"), ("lpr_spread_min_bps", "50"), ("lpr_spread_max_bps", "150")]),
    // A guarantee fee of 0.5%–1.5%, and one that is at most 2%.
    ("JGB-GU-001", &[("guarantee_fee_min_pct", "0.5"), ("guarantee_fee_max_pct", "1.5")]),
    ("HHB-GU-001", &[("guarantee_fee_max_pct", "2")]),
];

use Flavor::{
    Agri, Build, Gazelle, Giant, Mfg, Micro, Online, Plain, ReSupport, Revolving, Sectors, Tech, Trade, Trademark,
};

#[rustfmt::skip]
const CREDIT: &[Stem] = &[
    st("信用贷", "面向经营稳定、结算活跃的小微企业发放的纯信用贷款", Plain),
    st("科创信用贷", "专为国家科技型中小企业、高新技术企业设计的信用贷款，按研发投入和成长性核定额度", Tech),
    st("经营信用贷", "为小微企业主和个体工商户提供的经营性信用贷款", Micro),
    st("专精特新信用贷", "服务专精特新中小企业的信用贷款，看重技术实力和市场占有率", Giant),
    st("智造信用贷", "面向高端装备、新材料等制造业企业的信用贷款，支持产线升级和订单生产", Mfg),
    st("商户信用贷", "面向批发零售、餐饮住宿等个体工商户和小微商户的信用贷款", Trade),
    st("医药信用贷", "面向生物医药、医疗器械企业的信用贷款，覆盖临床研究和生产备货阶段", Sectors(&[S::Biomedicine])),
    st("绿能信用贷", "支持新能源、氢能和动力电池产业链企业的信用贷款", Sectors(&[S::NewEnergy, S::Hydrogen, S::PowerBatteries])),
    st("信用快贷", "依托企业经营和结算数据自动审批的线上信用贷款", Online),
    st("瞪羚信用贷", "面向瞪羚、雏鹰、领军等高成长企业的信用贷款", Gazelle),
    st("数字信用贷", "面向软件和信息技术服务、新一代信息技术企业的信用贷款", Sectors(&[S::NextGenIt])),
    st("循环信用贷", "一次授信、循环使用的小微企业信用贷款，适合资金需求频繁的贸易企业", Revolving),
];

#[rustfmt::skip]
const FIRST_LOAN: &[Stem] = &[
    st("首贷通", "专为从未在银行取得过贷款的首贷户小微企业设计", Micro),
    st("首贷培育贷", "对纳入首贷培育名单的小微企业发放首笔贷款", Plain),
    st("科创首贷", "面向尚无银行贷款记录的科技型中小企业的首贷产品", Tech),
    st("首贷助力贷", "帮助个体工商户和微型企业迈出首次贷款第一步", Micro),
    st("首贷惠农贷", "面向首次向银行借款的家庭农场、农民专业合作社等涉农经营主体", Agri),
    st("首贷成长贷", "面向首贷户中的专精特新、雏鹰企业的成长型首贷产品", Giant),
    st("首贷暖企贷", "面向首次申请银行贷款的小微企业和个体工商户，线上预审、快速放款", Online),
    st("首贷商户贷", "面向首次贷款的批发零售、餐饮门店经营者", Trade),
];

#[rustfmt::skip]
const MORTGAGE: &[Stem] = &[
    st("房产抵押贷", "以企业或企业主名下住宅、商铺、写字楼作抵押的经营贷款", Plain),
    st("厂房抵押贷", "以自有工业厂房和土地使用权作抵押，支持制造业企业扩大生产", Mfg),
    st("经营抵押贷", "以房产抵押为小微企业主提供的经营性贷款，额度按评估值核定", Micro),
    st("抵押循环贷", "一次抵押、循环使用的经营性抵押贷款", Revolving),
    st("商铺抵押贷", "以临街商铺、市场摊位产权作抵押的商户经营贷款", Trade),
    st("抵押快贷", "房产抵押线上评估、快速审批的经营贷款", Online),
    st("二次抵押贷", "可接受已有按揭房产的二次抵押，盘活存量房产价值", Plain),
    st("园区抵押贷", "以产业园区标准厂房、研发楼作抵押的企业经营贷款", Mfg),
];

#[rustfmt::skip]
const GUARANTEED: &[Stem] = &[
    st("政银担保贷", "银行与政府性融资担保机构合作、按比例分担风险的担保贷款", Plain),
    st("担保快贷", "由政府性融资担保机构批量担保、线上审批的小微企业担保贷款", Online),
    st("批量担保贷", "对符合准入标准的小微企业批量审批、批量担保的贷款", Micro),
    st("科技担保贷", "面向科技型中小企业、由科技融资担保机构增信的担保贷款", Tech),
    st("兴农担保贷", "面向涉农小微企业和新型农业经营主体的政府性融资担保贷款", Agri),
    st("担保增信贷", "为缺少抵押物的轻资产小微企业提供担保增信的贷款", Plain),
    st("文旅担保贷", "面向住宿餐饮、文化旅游小微企业的政府性融资担保贷款", Trade),
    st("稳岗担保贷", "对稳岗扩岗的小微企业提供政府性融资担保支持的贷款", Micro),
    st("专精特新担保贷", "面向专精特新中小企业、由融资担保机构提供担保的贷款", Giant),
    st("建工担保贷", "面向建筑施工、装饰装修小微企业的政府性融资担保贷款", Build),
];

#[rustfmt::skip]
const IP_PLEDGE: &[Stem] = &[
    st("专利贷", "以企业拥有的有效发明专利质押发放的贷款", Tech),
    st("专利质押融资", "以专利权质押、按评估价值核定额度的知识产权融资产品", Plain),
    st("知识产权质押贷", "以专利、商标等知识产权质押的科技企业贷款", Tech),
    st("商标质押贷", "以企业注册商标专用权质押的贷款，适合老字号和品牌消费企业", Trademark),
    st("知识产权e贷", "知识产权线上评估、在线质押登记的快捷贷款", Online),
    st("专利权质押贷", "面向高新技术企业的专利权质押贷款，支持研发和成果转化", Giant),
    st("商标权融资", "以商标权质押为品牌企业提供的融资服务", Trademark),
    st("知识产权组合贷", "以专利、商标组合质押，提高无形资产融资额度", Plain),
    st("医药专利贷", "面向生物医药企业、以药品和器械专利质押的贷款", Sectors(&[S::Biomedicine])),
];

#[rustfmt::skip]
const RECEIVABLES: &[Stem] = &[
    st("应收账款融资", "以企业对核心企业的应收账款质押发放的短期融资", Plain),
    st("应收账款质押贷", "以经买方确认的应收账款质押的流动资金贷款", Plain),
    st("应收e贷", "应收账款在线确权、在线放款的快捷融资", Online),
    st("应收通", "面向为大型企业供货的中小企业的应收账款融资产品", Mfg),
    st("应收快融", "凭核心企业确认的应收账款快速融资", Micro),
    st("应收账款池融资", "将多笔应收账款汇入资金池，按池内余额循环融资", Revolving),
    st("应收账款保理", "由银行买断或代收应收账款的保理融资服务", Trade),
    st("工程应收贷", "面向建筑施工企业、以工程款应收账款质押的贷款", Build),
];

#[rustfmt::skip]
const SUPPLY_CHAIN: &[Stem] = &[
    st("供应链e融", "依托核心企业在线确权的供应链融资，上游供应商凭订单和发票线上融资", Online),
    st("供应链订单贷", "依据核心企业采购订单为供应商提供生产备货资金的供应链贷款", Mfg),
    st("链融贷", "基于核心企业资信、服务产业链上下游中小企业的供应链融资", Plain),
    st("供应链票据贷", "以核心企业签发的商业汇票为基础的供应链票据融资", Plain),
    st("汽车供应链贷", "服务整车厂上游零部件供应商的供应链融资", Sectors(&[S::ConnectedVehicles, S::PowerBatteries])),
    st("医药供应链贷", "服务医药流通企业和医院供应商的供应链融资", Sectors(&[S::Biomedicine])),
    st("供应链电子凭证融资", "核心企业开立的电子付款凭证可拆分、可流转、可融资的供应链产品", Revolving),
    st("供应链仓单贷", "以仓储物流企业出具的标准仓单为依托的供应链融资", Trade),
    st("新能源供应链贷", "服务光伏、风电、储能龙头企业上下游配套企业的供应链融资", Sectors(&[S::NewEnergy])),
];

#[rustfmt::skip]
const TAX_CREDIT: &[Stem] = &[
    st("银税e贷", "银税互动线上贷款，依据企业纳税信用等级和纳税金额核定额度", Online),
    st("税贷通", "面向按时足额纳税小微企业的税贷产品，纳税信用等级越高额度越高", Plain),
    st("纳税e贷", "以企业纳税记录为依据的线上税贷，授权读取纳税数据后自动审批", Online),
    st("银税快贷", "银税互动合作产品，面向纳税信用A级、B级企业", Plain),
    st("税易贷", "以纳税信用换取信贷支持的银税互动产品", Micro),
    st("银税互动贷", "金融机构与税务部门信息共享的银税互动贷款，面向诚信纳税企业", Plain),
    st("税金贷", "按企业上年纳税总额的倍数核定额度的税贷产品", Revolving),
    st("纳税信誉贷", "为纳税信用良好的科技型小微企业提供的银税互动贷款", Tech),
];

#[rustfmt::skip]
const GOV_PROCUREMENT: &[Stem] = &[
    st("政采贷", "以政府采购合同为依据、凭合同即可申请的政采融资产品", Plain),
    st("政采e贷", "政府采购合同线上核验、在线放款的政采贷款", Online),
    st("政府采购合同融资", "面向中标政府采购项目的中小企业的合同融资", Micro),
    st("政采通", "凭政府采购中标合同申请的流动资金贷款", Plain),
    st("中标贷", "面向政府采购中标供应商的政采融资，按合同金额核定额度", Plain),
    st("政采快贷", "政府采购合同在线确认、快速审批的政采贷款", Online),
    st("政采订单贷", "为承接政府采购订单的制造企业提供生产资金的政采贷款", Mfg),
];

#[rustfmt::skip]
const STARTUP: &[Stem] = &[
    st("创业担保贷", "面向城乡创业者和个体工商户的创业担保贷款", Plain),
    st("大学生创业担保贷", "面向高校毕业生创业者的创业担保贷款", Plain),
    st("退役军人创业担保贷", "面向自主创业退役军人的创业担保贷款", Plain),
    st("返乡创业担保贷", "面向返乡入乡创业人员和农村自主创业农民的创业担保贷款", Agri),
    st("创业担保贷·再扶持", "对已还清创业担保贷款、带动就业五人以上的创业实体提供的再扶持贷款", ReSupport),
    st("巾帼创业担保贷", "面向创业女性和女性创办小微企业的创业担保贷款", Micro),
    st("小店创业担保贷", "面向开办便利店、餐饮小店等社区商业的创业者的创业担保贷款", Trade),
];

#[rustfmt::skip]
const RENEWAL: &[Stem] = &[
    st("续贷无忧", "贷款到期后无需先还本金即可办理续贷的无还本续贷产品", Plain),
    st("无还本续贷", "对经营正常、暂时资金紧张的小微企业提供无还本续贷", Micro),
    st("续贷通", "到期前提前审批、到期当日完成续贷的周转产品", Online),
    st("年审续贷", "对按年审核的小微企业实行年审制、无还本续贷的贷款", Plain),
    st("循环续贷", "授信期内循环续贷、无需还本周转的流动资金贷款", Revolving),
    st("周转续贷", "面向制造企业的无还本续贷，按生产经营周期灵活确定续贷期限", Mfg),
    st("科创续贷", "面向科技型中小企业的无还本续贷产品，研发周期内资金不断档", Tech),
];

#[rustfmt::skip]
const MEDIUM_LONG: &[Stem] = &[
    st("中长期技改贷", "支持制造业企业技术改造和智能化升级的中长期贷款", Mfg),
    st("中长期项目贷", "面向企业新建、扩建生产项目的中长期贷款", Plain),
    st("制造业中长期贷", "面向先进制造业企业固定资产投资的中长期贷款", Mfg),
    st("设备更新中长期贷", "支持企业大规模设备更新和节能改造的中长期贷款", Sectors(&[S::HighEndEquipment, S::NewMaterials])),
    st("中长期科创贷", "面向科技型企业研发中心和中试基地建设的中长期贷款", Tech),
    st("中长期绿色贷", "支持光伏、储能和节能环保项目建设的中长期贷款", Sectors(&[S::NewEnergy, S::Hydrogen])),
    st("中长期园区贷", "面向入驻产业园区企业购建厂房的中长期贷款", Plain),
    st("航空航天中长期贷", "面向航空航天零部件和配套企业扩产的中长期贷款", Sectors(&[S::Aerospace, S::HighEndEquipment])),
];

#[rustfmt::skip]
const EQUITY: &[Stem] = &[
    st("股权质押贷", "以企业股东持有的公司股权质押发放的贷款", Plain),
    st("股权e贷", "股权出质在线登记、在线审批的股权质押贷款", Online),
    st("投贷联动股权贷", "面向已获创投机构投资的科技企业的股权质押贷款", Tech),
    st("股权质押融资", "以非上市公司股权质押的企业融资产品", Plain),
    st("科创股权贷", "面向高成长科技企业、以股权质押增信的贷款", Gazelle),
    st("股权增信贷", "以股东股权质押替代房产的增信贷款", Giant),
];

#[rustfmt::skip]
const LEASING: &[Stem] = &[
    st("设备融资租赁", "为制造企业购置生产设备提供的融资租赁服务", Mfg),
    st("售后回租", "企业将自有设备出售给租赁公司再租回使用的融资租赁业务", Plain),
    st("设备直租", "租赁公司按企业选定的设备向厂商购买并出租给企业的直接融资租赁", Plain),
    st("医疗设备融资租赁", "面向民营医院、医疗器械企业的医疗设备融资租赁", Sectors(&[S::Biomedicine])),
    st("新能源汽车融资租赁", "为物流、网约车企业购置新能源汽车提供的融资租赁", Sectors(&[S::ConnectedVehicles, S::NewEnergy])),
    st("工程机械融资租赁", "面向建筑施工企业购置挖掘机、起重机等工程机械的融资租赁", Build),
    st("光伏电站融资租赁", "为工商业分布式光伏电站建设提供的融资租赁", Sectors(&[S::NewEnergy])),
    st("农机融资租赁", "为农业合作社和种植大户购置农机具提供的融资租赁", Agri),
    st("船舶融资租赁", "为航运企业购置散货船、工程船提供的融资租赁", Sectors(&[S::MarineEconomy])),
    st("智能制造设备融资租赁", "为工业机器人、数控机床等智能制造设备提供的融资租赁", Sectors(&[S::HighEndEquipment])),
];

#[rustfmt::skip]
const TECH: &[Stem] = &[
    st("科创积分贷", "依据科技创新积分评价结果核定额度的科技型企业贷款，积分越高额度越高", Tech),
    st("研发贷", "支持科技型中小企业研发投入和成果转化的贷款，额度随研发进度分期提用", Tech),
    st("科技成长贷", "面向瞪羚、雏鹰等高成长科技企业的科技贷款，看重营收增速和研发强度", Gazelle),
    st("数智科技贷", "面向软件和新一代信息技术企业的科技型企业贷款", Sectors(&[S::NextGenIt])),
];

#[rustfmt::skip]
const EQUIPMENT: &[Stem] = &[
    st("设备购置贷", "支持制造业企业购置生产设备、检测仪器的贷款，按设备价款核定额度", Mfg),
    st("技改升级贷", "支持企业实施技术改造、生产线自动化升级的贷款", Mfg),
    st("智能化改造贷", "支持中小企业智能化改造和数字化转型的设备与系统投入", Sectors(&[S::HighEndEquipment, S::NewMaterials])),
    st("节能设备贷", "支持企业购置高效节能设备、实施节能降碳改造的贷款", Plain),
];

#[rustfmt::skip]
const INVENTORY: &[Stem] = &[
    st("仓单融资", "以标准仓单质押、仓储企业全程监管的流动资金融资，适合钢材、粮油等大宗商品贸易企业", Trade),
    st("存货融资", "以原材料、产成品等存货质押、按货值核定额度的融资", Plain),
    st("动产质押融资", "以钢材、粮食等动产质押、依托物联网监管平台实时监控货物的融资", Plain),
];

#[rustfmt::skip]
const BILL_DISCOUNT: &[Stem] = &[
    st("票据贴现", "为持有未到期银行承兑汇票、商业承兑汇票的企业办理贴现，提前取得资金", Plain),
    st("秒贴", "全流程线上的银票贴现业务，线上提交票据，最快几分钟资金到账", Online),
    st("商票贴现", "为企业收到的商业承兑汇票办理贴现，贴现利率参照承兑企业资信确定", Plain),
];

#[rustfmt::skip]
const TALENT: &[Stem] = &[
    st("人才贷", "面向高层次人才创办或领办的企业，凭人才认定证明即可申请的人才贷款", Plain),
    st("人才创新贷", "支持人才计划入选者所办企业开展研发和成果转化的人才贷款", Tech),
    st("英才贷", "面向引进人才所在企业的人才贷款，额度与人才层级挂钩", Plain),
];

#[rustfmt::skip]
const ORDER: &[Stem] = &[
    st("订单贷", "凭与下游客户签订的真实采购订单申请、订单回款归还的流动资金贷款", Plain),
    st("订单e融", "采购订单线上确认、线上放款的订单融资，资金专用于订单生产", Online),
    st("接单贷", "为制造企业新接订单组织生产、采购原材料提供的订单融资", Mfg),
    st("外贸订单贷", "面向出口企业、凭外贸订单申请的订单融资", Trade),
];

/// Letters of guarantee have no stems: a guarantee charges a fee, not interest, and has nothing to repay
/// unless it is called, so they are written as pages (`PAGES`) that say so.
const NO_STEMS: &[Stem] = &[];

#[rustfmt::skip]
const INSURANCE_INSURER: &[Stem] = &[
    st("贷款保证保险", "为小微企业向合作银行申请贷款提供的贷款保证保险", Plain),
    st("小微贷款保证保险", "专为小微企业和个体工商户设计的贷款保证保险", Micro),
    st("科技贷款保证保险", "面向科技型中小企业研发贷款的保证保险", Tech),
    st("融资性保证保险", "保险公司为企业融资提供保证、银行凭保单放款的保证保险", Plain),
    st("外贸贷款保证保险", "面向进出口小微企业的贷款保证保险", Trade),
    st("农业贷款保证保险", "面向家庭农场、农民专业合作社贷款的保证保险", Agri),
];

#[rustfmt::skip]
const INSURANCE_BANK: &[Stem] = &[
    st("保贷通", "与安津财产保险合作、以贷款保证保险增信的小微企业贷款", Plain),
    st("险贷宝", "由保险公司承保贷款保证保险、银行据此放款的银保合作贷款", Micro),
    st("保证保险贷", "以贷款保证保险增信的小微企业经营贷款，保险公司承保、银行放款", Plain),
    st("科技保险贷", "与安津财产保险合作、以科技贷款保证保险增信的科技企业贷款", Tech),
];

/// The stems of a family; insurance products of banks use their own table.
pub(super) fn stems(family: F, kind: InstitutionKind) -> &'static [Stem] {
    match family {
        F::Credit => CREDIT,
        F::FirstLoan => FIRST_LOAN,
        F::Mortgage => MORTGAGE,
        F::Guaranteed => GUARANTEED,
        F::IpPledge => IP_PLEDGE,
        F::Receivables => RECEIVABLES,
        F::SupplyChain => SUPPLY_CHAIN,
        F::TaxCredit => TAX_CREDIT,
        F::GovProcurement => GOV_PROCUREMENT,
        F::StartupGuarantee => STARTUP,
        F::Renewal => RENEWAL,
        F::MediumLongTerm => MEDIUM_LONG,
        F::EquityPledge => EQUITY,
        F::Leasing => LEASING,
        F::Insurance if kind == Insurer => INSURANCE_INSURER,
        F::Insurance => INSURANCE_BANK,
        F::Tech => TECH,
        F::Equipment => EQUIPMENT,
        F::InventoryPledge => INVENTORY,
        F::BillDiscount => BILL_DISCOUNT,
        F::LetterOfGuarantee => NO_STEMS,
        F::Talent => TALENT,
        F::OrderFinancing => ORDER,
    }
}

/// Per family: what the money is for (clauses) and one selling point (sentences without the full stop).
#[rustfmt::skip]
pub(super) fn phrases(family: F) -> (&'static [&'static str], &'static [&'static str]) {
    match family {
        F::Credit => (
            &["资金可用于采购原材料、支付货款等日常经营周转", "用于补充流动资金和应对季节性资金需求",
              "满足订单生产、备货和研发投入的资金需求", "支持企业扩大经营和开拓市场"],
            &["纯信用方式发放，无需抵押物", "依据企业结算、社保和用电数据综合核定额度",
              "一次授信、循环使用，授信期内额度可重复支用", "提前还款不收取违约金"]),
        F::FirstLoan => (
            &["用于扩大经营、采购备货和支付房租", "帮助企业补充日常经营所需流动资金",
              "支持首贷户购置小型设备和开拓市场"],
            &["无需押品，申请材料精简", "由首贷服务专员一对一辅导申请", "利率较同类产品优惠",
              "按时还款可提升后续贷款额度"]),
        F::Mortgage => (
            &["用于企业生产经营周转、购置设备和装修经营场所", "满足企业大额、较长期限的经营资金需求",
              "可用于置换其他机构的高成本经营性贷款"],
            &["抵押率最高可达评估价值的七成", "合作评估机构免费上门评估", "抵押登记线上办理，减少往返跑",
              "额度高、期限长、利率低"]),
        F::Guaranteed => (
            &["用于小微企业日常经营周转和扩大再生产", "解决轻资产企业缺少押品的融资难题",
              "支持企业稳定就业和技术改造"],
            &["银行与担保机构按比例分担风险，审批标准统一", "担保机构与银行同步审查，缩短办理时间",
              "担保费率低于市场水平", "担保增信，轻资产企业也能获批"]),
        F::IpPledge => (
            &["用于研发投入、成果转化和产能扩张", "盘活企业专利、商标等无形资产",
              "支持科技成果产业化和新产品上市"],
            &["合作评估机构评估知识产权价值，评估费由银行承担", "质押登记在线办理，减少往返跑",
              "可与科技型企业风险补偿政策叠加使用", "额度按无形资产评估价值的三至五成核定"]),
        F::Receivables => (
            &["将未到期的应收账款提前变现，加快资金回笼", "缓解赊销账期长、回款慢带来的资金压力",
              "用于支付上游货款和组织生产"],
            &["通过中征应收账款融资服务平台办理质押登记", "按应收账款金额的七至九成核定融资额度",
              "买方回款自动归还，手续简便"]),
        F::SupplyChain => (
            &["为核心企业上游供应商提供订单生产和备货资金", "帮助下游经销商提前锁定货源、扩大采购",
              "支持产业链上下游中小企业加快资金周转"],
            &["基于核心企业确权信息在线审批", "电子凭证可拆分、可流转，随时融资",
              "与核心企业系统直连，订单、发票、物流数据自动采集", "融资成本参照核心企业资信定价"]),
        F::TaxCredit => (
            &["用于企业日常经营周转和临时资金需求", "满足按时纳税小微企业的流动资金需求",
              "支持企业采购备货和支付工资"],
            &["企业授权后系统自动读取纳税数据，线上测算额度", "额度按上年纳税额的倍数核定",
              "纳税越诚信、额度越高", "无需抵押，凭纳税记录即可申请"]),
        F::GovProcurement => (
            &["用于履行政府采购合同所需的采购、生产和人工支出", "缓解中标企业履约垫资压力",
              "支持中小企业参与政府采购项目"],
            &["凭中标通知书和政府采购合同在线申请", "政府采购资金回款账户监管，回款即还",
              "对接政府采购平台合同信息，自动核验", "额度最高可达政府采购合同金额的八成"]),
        F::StartupGuarantee => (
            &["用于创业初期的场地租金、设备购置和经营周转", "支持创业者开办个体工商户和小微企业",
              "帮助创业实体扩大经营、吸纳就业"],
            &["创业者凭营业执照和创业计划即可申请", "贷款利率不超过LPR加150个基点",
              "人社部门与银行联合审核，一站式办理"]),
        F::Renewal => (
            &["贷款到期时无需先还本金即可续贷，避免企业筹集过桥资金", "帮助经营正常但暂时资金紧张的企业接续融资",
              "支持企业保持资金链稳定"],
            &["到期前三个月提前审批，到期当日完成续贷", "续贷手续简化，原有增信方式可沿用",
              "对经营正常、还款记录良好的企业实行年审制"]),
        F::MediumLongTerm => (
            &["用于厂房建设、设备购置和技术改造等固定资产投资", "用于购建生产线、研发楼和配套设施",
              "满足企业三年以上的资金需求"],
            &["还款计划与项目现金流匹配", "可设置一至两年宽限期，宽限期内只付息",
              "可按项目进度分期提款"]),
        F::EquityPledge => (
            &["满足企业扩大经营和研发投入的资金需求", "支持获得创投机构投资的科技企业后续发展",
              "盘活股权资产，减少对房产的依赖"],
            &["股权出质登记线上办理", "可与创投机构投贷联动", "股权估值参考最近一轮融资价格"]),
        F::Leasing => (
            &["用于购置生产设备、检测仪器和运输车辆", "以企业自有设备售后回租，盘活存量资产",
              "支持企业技术改造和产能扩张"],
            &["首付比例低，租金按月或按季支付", "租赁期满后企业可按名义价格留购设备",
              "不占用企业银行授信额度", "厂商合作直租，设备选型、交付、融资一站式完成"]),
        F::Insurance => (
            &["以保单增信，帮助轻资产小微企业获得银行贷款", "保险公司与银行共担风险，解决轻资产企业增信难题",
              "满足小微企业日常经营周转的资金需求"],
            &["保费按贷款金额和期限计算", "保险公司与合作银行联合审批，一次申请",
              "凭保单即可向合作银行申请贷款，免除押品"]),
        F::Tech => (
            &["用于研发投入、团队建设和新产品试制", "支持科技成果转化和产能扩张", "满足科技型企业订单生产和经营周转需求"],
            &["看重研发投入、研发团队和成长性，弱化抵押要求", "可与科技型企业风险补偿政策叠加使用",
              "科技金融专营团队一对一服务"]),
        F::Equipment => (
            &["用于购置生产设备、检测仪器和配套软件", "用于生产线自动化、智能化改造", "支持设备更新和节能降碳改造"],
            &["额度最高可达设备价款的七成", "还款计划与设备投产后的现金流匹配", "符合条件的可享受设备更新贷款贴息"]),
        F::InventoryPledge => (
            &["用于采购原材料和补充流动资金", "盘活库存，缓解备货和销售旺季的资金压力"],
            &["由合作仓储监管企业全程监管货物", "按货值的五至七成核定额度", "分批还款、分批提货"]),
        F::BillDiscount => (
            &["提前兑现未到期票据，加快资金回笼", "用于支付货款和日常经营周转"],
            &["贴现利率随市场每日报价", "线上提交票据，最快当天到账", "银票、商票均可贴现"]),
        // Letters of guarantee are pages, not generated.
        F::LetterOfGuarantee => (&["以保函替代现金保证金"], &["保函费按年计收"]),
        F::Talent => (
            &["用于人才企业研发投入和经营周转", "支持人才创办企业开拓市场和扩大生产"],
            &["凭人才认定证明即可申请", "可享受人才政策贴息", "为人才企业开辟审批绿色通道"]),
        F::OrderFinancing => (
            &["用于订单项下的原材料采购和组织生产", "缓解接单后备料垫资的压力"],
            &["按订单金额的七成核定额度", "订单回款自动归还", "凭订单即可申请"]),
    }
}
