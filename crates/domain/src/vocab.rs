//! The closed vocabularies of products and enterprises, each with machine name, Chinese and English label.

crate::labelled_enum! {
    /// What kind of institution lists or backs a product.
    pub enum InstitutionKind: "institution kind" {
        Bank => "bank", "银行", "Bank",
        MicroCredit => "micro_credit", "小额贷款公司", "Micro-credit company",
        Leasing => "leasing", "融资租赁公司", "Financial leasing company",
        Insurer => "insurer", "保险公司", "Insurer",
        GuaranteeAgency => "guarantee_agency", "融资担保机构", "Credit-guarantee agency",
        Factoring => "factoring", "商业保理公司", "Commercial factoring company",
        Other => "other", "其他金融机构", "Other financial institution",
    }
}

impl InstitutionKind {
    /// Whether institutions of this kind back other institutions' products (guarantee agencies) rather than
    /// list their own (every other kind is a lender). The side decides which accounts an institution may
    /// have and which products may name it, so it is the one thing about a kind that others depend on.
    #[must_use]
    pub fn is_guarantee_agency(self) -> bool {
        self == Self::GuaranteeAgency
    }
}

crate::labelled_enum! {
    /// The product family, the first facet of the catalogue. A product has one main family and may have
    /// further ones (`ProductSpec::more_families`).
    pub enum ProductFamily: "family" {
        Credit => "credit", "信用贷款", "Unsecured credit loan",
        FirstLoan => "first_loan", "首贷", "First loan",
        Mortgage => "mortgage", "抵押贷款", "Mortgage-backed loan",
        Guaranteed => "guaranteed", "政府性融资担保贷款", "Government-guaranteed loan",
        IpPledge => "ip_pledge", "知识产权质押贷款", "IP pledge loan",
        Receivables => "receivables", "应收账款融资", "Receivables financing",
        SupplyChain => "supply_chain", "供应链金融", "Supply-chain finance",
        TaxCredit => "tax_credit", "银税互动贷款", "Tax-data credit loan",
        GovProcurement => "gov_procurement", "政府采购合同融资", "Government-procurement contract financing",
        StartupGuarantee => "startup_guarantee", "创业担保贷款", "Start-up guaranteed loan",
        Renewal => "renewal", "无还本续贷", "Renewal without principal repayment",
        MediumLongTerm => "medium_long_term", "中长期贷款", "Medium- and long-term loan",
        EquityPledge => "equity_pledge", "股权质押贷款", "Equity pledge loan",
        Leasing => "leasing", "融资租赁", "Financial leasing",
        Insurance => "insurance", "贷款保证保险", "Loan guarantee insurance",
        // Added in issue 12, at the end so that the families before keep their place in every list (and the
        // demo catalogue, whose products rotate by family position, keeps its products).
        Tech => "tech", "科技型企业贷款", "Loan for technology-based firms",
        Equipment => "equipment", "设备购置及技改贷款", "Equipment purchase and upgrade loan",
        InventoryPledge => "inventory_pledge", "存货及仓单质押融资", "Inventory and warehouse-receipt financing",
        BillDiscount => "bill_discount", "票据贴现", "Bill discounting",
        LetterOfGuarantee => "letter_of_guarantee", "保函", "Letter of guarantee",
        Talent => "talent", "人才贷", "Loan for firms founded by recognised talent",
        OrderFinancing => "order_financing", "订单贷", "Order financing",
    }
}

crate::labelled_enum! {
    /// How a loan is repaid.
    pub enum RepaymentMethod: "repayment method" {
        EqualInstalment => "equal_instalment", "等额本息", "Equal instalments",
        EqualPrincipal => "equal_principal", "等额本金", "Equal principal",
        InterestOnly => "interest_only", "先息后本", "Interest first, principal at maturity",
        Revolving => "revolving", "随借随还", "Draw and repay at will",
    }
}

crate::labelled_enum! {
    /// What a product asks the borrower to pledge or mortgage. A product that asks none has an empty list.
    pub enum Collateral: "collateral" {
        RealEstate => "real_estate", "房产抵押", "Real estate",
        Equipment => "equipment", "设备抵押", "Equipment",
        IntellectualProperty => "ip", "知识产权质押", "Intellectual property",
        Receivables => "receivables", "应收账款质押", "Receivables",
        Equity => "equity", "股权质押", "Equity",
        Guarantee => "guarantee", "第三方保证担保", "Third-party guarantee",
        // Added for real products (仓单质押, 票据质押, 存单质押), at the end so the kinds before keep their place.
        Inventory => "inventory", "存货及仓单质押", "Inventory or warehouse receipts",
        Bills => "bills", "票据质押", "Bills of exchange",
        Deposit => "deposit", "存单及保证金质押", "Deposits or cash margin",
    }
}

crate::labelled_enum! {
    /// Government policy support attached to a product.
    pub enum PolicySupport: "policy support" {
        RiskCompensation => "risk_compensation", "纳入风险补偿资金池", "Risk-compensation fund eligible",
        InterestSubsidy => "interest_subsidy", "财政贴息", "Interest subsidy",
        GuaranteeFeeSubsidy => "guarantee_fee_subsidy", "担保费补贴", "Guarantee-fee subsidy",
    }
}

crate::labelled_enum! {
    /// Where a product is in its life.
    pub enum LifecycleState: "lifecycle state" {
        Draft => "draft", "草稿", "Draft",
        InReview => "in_review", "审核中", "In review",
        Published => "published", "已发布", "Published",
        Paused => "paused", "已暂停", "Paused",
        Archived => "archived", "已下架", "Archived",
    }
}

crate::labelled_enum! {
    /// Which loan prime rate a floating rate follows.
    pub enum LprTenor: "LPR tenor" {
        OneYear => "lpr_1y", "1 年期 LPR", "1-year LPR",
        FiveYear => "lpr_5y", "5 年期以上 LPR", "5-year LPR",
    }
}

crate::labelled_enum! {
    /// 纳税信用等级, best first (A > B > M > C > D); derived `Ord` follows declaration order, so a *smaller*
    /// value is a *better* grade.
    pub enum TaxCreditGrade: "tax credit grade" {
        A => "A", "A 级", "A",
        B => "B", "B 级", "B",
        M => "M", "M 级", "M",
        C => "C", "C 级", "C",
        D => "D", "D 级", "D",
    }
}

impl TaxCreditGrade {
    /// Whether this grade is `other` or better.
    #[must_use]
    pub fn at_least(self, other: Self) -> bool {
        self <= other
    }
}

crate::labelled_enum! {
    /// Enterprise scale under 工信部联企业〔2011〕300号.
    pub enum EnterpriseScale: "enterprise scale" {
        Micro => "micro", "微型企业", "Micro",
        Small => "small", "小型企业", "Small",
        Medium => "medium", "中型企业", "Medium",
        Large => "large", "大型企业", "Large",
    }
}

crate::labelled_enum! {
    /// Qualifications (资质, 称号) an enterprise may hold: the one list that the profile form offers, import
    /// files name in eligibility rules and matching compares, so a title a bank asks for is one a firm can
    /// state. Listed by kind: the national technology and SME ladders (科技型中小企业, 高新技术企业, then
    /// 创新型中小企业 → 专精特新 → 小巨人 → 单项冠军), the growth ladder of local programmes (种子 → 雏鹰 → 瞪羚 →
    /// 独角兽, 领军), then titles of another kind (技术先进型服务企业, a talent programme's awardee). Only the
    /// order of pages follows this list; files and the database use the machine names.
    pub enum Qualification: "qualification" {
        TechSme => "tech_sme", "国家科技型中小企业", "Technology-based SME",
        HighTech => "high_tech", "高新技术企业", "High-tech enterprise",
        InnovativeSme => "innovative_sme", "创新型中小企业", "Innovative SME",
        Specialised => "specialised", "专精特新企业", "Specialised and innovative SME",
        LittleGiant => "little_giant", "专精特新“小巨人”", "Little giant",
        SingleChampion => "single_champion", "制造业单项冠军", "Single-product champion",
        Seed => "seed", "种子企业", "Seed enterprise",
        Fledgling => "fledgling", "雏鹰企业", "Fledgling",
        Gazelle => "gazelle", "瞪羚企业", "Gazelle",
        Unicorn => "unicorn", "独角兽企业", "Unicorn",
        Leading => "leading", "领军企业", "Leading enterprise",
        AdvancedTechService => "advanced_tech_service", "技术先进型服务企业", "Advanced technology service enterprise",
        TalentProgramme => "talent_programme", "人才项目入选者", "Talent programme awardee",
    }
}

crate::labelled_enum! {
    /// Industry, at the granularity the national SME classification needs (GB/T 4754 sections, with
    /// 工业 and the service trades split where 工信部联企业〔2011〕300号 sets different thresholds).
    pub enum Industry: "industry" {
        Agriculture => "agriculture", "农、林、牧、渔业", "Agriculture, forestry, animal husbandry, fishery",
        Industrial => "industrial", "工业", "Industry (mining, manufacturing, utilities)",
        Construction => "construction", "建筑业", "Construction",
        Wholesale => "wholesale", "批发业", "Wholesale",
        Retail => "retail", "零售业", "Retail",
        Transport => "transport", "交通运输业", "Transport",
        Warehousing => "warehousing", "仓储业", "Warehousing",
        Postal => "postal", "邮政业", "Postal services",
        Accommodation => "accommodation", "住宿业", "Accommodation",
        Catering => "catering", "餐饮业", "Catering",
        Telecom => "telecom", "信息传输业", "Information transmission",
        Software => "software", "软件和信息技术服务业", "Software and IT services",
        RealEstateDevelopment => "real_estate_development", "房地产开发经营", "Real-estate development",
        PropertyManagement => "property_management", "物业管理", "Property management",
        LeasingBusinessServices => "leasing_business_services", "租赁和商务服务业", "Leasing and business services",
        Other => "other", "其他未列明行业", "Other",
    }
}

crate::labelled_enum! {
    /// The priority sectors named by the Tianjin plans; an enterprise may belong to several.
    pub enum PrioritySector: "priority sector" {
        NextGenIt => "next_gen_it", "新一代信息技术", "Next-generation IT",
        Biomedicine => "biomedicine", "生物医药", "Biomedicine",
        NewEnergy => "new_energy", "新能源", "New energy",
        NewMaterials => "new_materials", "新材料", "New materials",
        HighEndEquipment => "high_end_equipment", "高端装备", "High-end equipment",
        ConnectedVehicles => "connected_vehicles", "智能网联汽车", "Intelligent connected vehicles",
        PowerBatteries => "power_batteries", "动力电池", "Power batteries",
        Aerospace => "aerospace", "航空航天", "Aerospace",
        MarineEconomy => "marine_economy", "海洋经济", "Marine economy",
        Hydrogen => "hydrogen", "氢能", "Hydrogen energy",
    }
}

crate::labelled_enum! {
    /// What a firm wants the money for (融资用途).
    pub enum LoanPurpose: "loan purpose" {
        WorkingCapital => "working_capital", "流动资金周转", "Working capital",
        Procurement => "procurement", "原材料采购", "Buying materials",
        OrderProduction => "order_production", "订单生产", "Producing an order",
        Equipment => "equipment", "设备购置", "Buying equipment",
        Research => "research", "研发投入", "Research and development",
        Expansion => "expansion", "扩大生产经营", "Expansion",
        Refinancing => "refinancing", "到期续贷周转", "Refinancing a maturing loan",
        Startup => "startup", "创业启动", "Starting a business",
        Other => "other", "其他", "Other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Labelled;

    fn assert_vocabulary<T: Labelled + std::fmt::Debug + PartialEq>() {
        let mut seen = std::collections::HashSet::new();
        for v in T::ALL {
            assert!(seen.insert(v.as_str()), "duplicate machine name {}", v.as_str());
            assert_eq!(T::parse(v.as_str()).ok(), Some(*v));
            assert_eq!(T::parse(v.label_zh()).ok(), Some(*v));
            let json = format!("\"{}\"", v.as_str());
            assert_eq!(serde_json::to_string(&v.as_str()).unwrap(), json);
            assert!(!v.label_zh().is_empty() && !v.label_en().is_empty());
        }
        assert!(T::parse("no_such_value").is_err());
    }

    #[test]
    fn every_vocabulary_round_trips() {
        assert_vocabulary::<InstitutionKind>();
        assert_vocabulary::<ProductFamily>();
        assert_vocabulary::<RepaymentMethod>();
        assert_vocabulary::<Collateral>();
        assert_vocabulary::<PolicySupport>();
        assert_vocabulary::<LifecycleState>();
        assert_vocabulary::<LprTenor>();
        assert_vocabulary::<TaxCreditGrade>();
        assert_vocabulary::<EnterpriseScale>();
        assert_vocabulary::<Qualification>();
        assert_vocabulary::<Industry>();
        assert_vocabulary::<PrioritySector>();
        assert_vocabulary::<LoanPurpose>();
        assert_vocabulary::<crate::Role>();
        assert_vocabulary::<crate::ApplicationState>();
        assert_vocabulary::<crate::NeedState>();
        assert_vocabulary::<crate::OfferState>();
    }

    #[test]
    fn serde_uses_machine_names() {
        assert_eq!(serde_json::to_string(&ProductFamily::IpPledge).unwrap(), "\"ip_pledge\"");
        let f: ProductFamily = serde_json::from_str("\"tax_credit\"").unwrap();
        assert_eq!(f, ProductFamily::TaxCredit);
        assert!(serde_json::from_str::<ProductFamily>("\"nope\"").is_err());
    }

    #[test]
    fn tax_grades_order_best_first() {
        assert!(TaxCreditGrade::A.at_least(TaxCreditGrade::B));
        assert!(TaxCreditGrade::B.at_least(TaxCreditGrade::B));
        assert!(!TaxCreditGrade::M.at_least(TaxCreditGrade::B));
    }
}
