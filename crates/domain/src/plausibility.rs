//! Whether a firm's profile could be true on a given day: figures that contradict each other or the
//! firm's age (a firm founded this year stating last year's revenue, more tax paid than revenue, a 高新技术企业
//! registered last month).
//!
//! [`EnterpriseProfile::validate`] refuses what no form may hold (a founding date in the future); these are
//! combinations a person could type but no real firm has. The demo and bench data are generated to pass them
//! on every day they are dated (`finmart-synth`), and the record check reports every stored application whose
//! profile snapshot breaks them on the day it was submitted.
//!
//! Most rules depend on the firm's age, so each is held as the first day it is satisfied: a profile that is
//! implausible today may be plausible next year, never the other way round. [`EnterpriseProfile::plausible_from`]
//! is the first day every rule holds (the first day the firm could have applied with this profile).

use crate::{EnterpriseProfile, Fen, Labelled, OverdueHistory, Qualification, TaxCreditGrade};
use chrono::{Datelike, NaiveDate};

crate::labelled_enum! {
    /// A way a profile's figures contradict each other or the firm's age.
    pub enum Implausibility: "implausibility" {
        FoundedLater => "founded_later", "成立日期晚于所涉日期", "founded after the day in question",
        FiguresBeforeFounding => "figures_before_founding",
            "上年尚未成立，却填报了上年营业收入或纳税额",
            "last year's revenue or tax paid stated by a firm founded since",
        TaxAboveRevenue => "tax_above_revenue", "上年纳税总额高于上年营业收入", "more tax paid than revenue",
        LoansAboveLiabilities => "loans_above_liabilities", "贷款余额高于负债总额", "outstanding loans above total liabilities",
        FirstLoanWithDebt => "first_loan_with_debt",
            "自称从未向银行贷款，却有贷款余额或逾期记录",
            "never borrowed from a bank, yet loans outstanding or an overdue record",
        OverdueBeforeFounding => "overdue_before_founding", "最近一次逾期早于成立日期", "last overdue before the firm was founded",
        GradeTooEarly => "grade_too_early", "成立时间不足以评定所填纳税信用级别", "too young for its tax credit grade",
        QualificationTooEarly => "qualification_too_early", "成立时间不足以取得所列资质", "too young for a qualification it lists",
    }
}

/// One way a profile is implausible, with the figures that show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileFlaw {
    pub kind: Implausibility,
    /// The firm's own figures and the rule, in Chinese.
    pub detail_zh: String,
    pub detail_en: String,
}

/// The years a firm must have existed to hold a title: 高新技术企业 "注册成立一年以上"（《高新技术企业认定管理
/// 办法》第十一条）；专精特新中小企业 "从事特定细分市场时间达到 2 年以上"；专精特新"小巨人" "3 年以上"（《优质中小企业
/// 梯度培育管理暂行办法》）. Other titles state no age this check could hold them to.
const QUALIFICATION_YEARS: &[(Qualification, u32)] =
    &[(Qualification::HighTech, 1), (Qualification::Specialised, 2), (Qualification::LittleGiant, 3)];

/// A 级 is not given to a firm in business for less than 3 years（《纳税信用管理办法（试行）》第二十条）.
const GRADE_A_YEARS: u32 = 3;

fn january_first(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MAX)
}

fn months_after(day: NaiveDate, months: u32) -> NaiveDate {
    day.checked_add_months(chrono::Months::new(months)).unwrap_or(NaiveDate::MAX)
}

/// The first day a firm founded on `established` can state last year's figures (上年营业收入, 上年纳税总额):
/// January 1st of the year after its founding. Before that "last year" was before it existed, so its
/// revenue and tax paid for it are zero.
#[must_use]
pub fn figures_plausible_from(established: NaiveDate) -> NaiveDate {
    january_first(established.year() + 1)
}

impl TaxCreditGrade {
    /// The first day a firm founded on `established` can hold this grade. Grades A–C are given by evaluating a
    /// whole calendar year, so the firm must have existed through one (newly founded firms are M, 国家税务总局
    /// 公告 2018 年第 8 号), and A needs 3 years in business as well; M is any new firm's, D can be given at
    /// once for a serious breach.
    #[must_use]
    pub fn plausible_from(self, established: NaiveDate) -> NaiveDate {
        let whole_year = if established == january_first(established.year()) {
            established
        } else {
            january_first(established.year() + 1)
        };
        let evaluated = january_first(whole_year.year() + 1);
        match self {
            Self::A => evaluated.max(months_after(established, GRADE_A_YEARS * 12)),
            Self::B | Self::C => evaluated,
            Self::M | Self::D => established,
        }
    }
}

impl Qualification {
    /// The first day a firm founded on `established` can hold this title ([`QUALIFICATION_YEARS`]).
    #[must_use]
    pub fn plausible_from(self, established: NaiveDate) -> NaiveDate {
        QUALIFICATION_YEARS
            .iter()
            .find(|(q, _)| *q == self)
            .map_or(established, |(_, years)| months_after(established, years * 12))
    }
}

/// When a rule is satisfied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holds {
    /// From this day on.
    From(NaiveDate),
    /// On no day: the figures contradict each other.
    Never,
}

/// One rule the profile is subject to, with the words that explain it.
struct Condition {
    kind: Implausibility,
    holds: Holds,
    zh: String,
    en: String,
}

fn stated(amount: Option<Fen>) -> bool {
    amount.is_some_and(|a| a > Fen::ZERO)
}

impl EnterpriseProfile {
    /// Every rule this profile is subject to (a rule about figures it does not state does not apply).
    fn conditions(&self) -> Vec<Condition> {
        let founded = self.established;
        let mut out = vec![Condition {
            kind: Implausibility::FoundedLater,
            holds: Holds::From(founded),
            zh: format!("成立于 {founded}"),
            en: format!("founded on {founded}"),
        }];
        if self.revenue > Fen::ZERO || stated(self.tax_paid) {
            let from = figures_plausible_from(founded);
            out.push(Condition {
                kind: Implausibility::FiguresBeforeFounding,
                holds: Holds::From(from),
                zh: format!(
                    "成立于 {founded}，填报上年营业收入 {}、上年纳税 {}；{} 年前没有完整的上年数据",
                    self.revenue.display_zh(),
                    self.tax_paid.map_or_else(|| "未说明".to_owned(), Fen::display_zh),
                    from.year()
                ),
                en: format!(
                    "founded on {founded}, states last year's revenue {} and tax paid {}: no year behind it before {}",
                    self.revenue.display_en(),
                    self.tax_paid.map_or_else(|| "not stated".to_owned(), Fen::display_en),
                    from.year()
                ),
            });
        }
        if let Some(tax) = self.tax_paid.filter(|t| *t > self.revenue) {
            out.push(Condition {
                kind: Implausibility::TaxAboveRevenue,
                holds: Holds::Never,
                zh: format!("上年纳税 {}，上年营业收入 {}", tax.display_zh(), self.revenue.display_zh()),
                en: format!("tax paid {} on revenue of {}", tax.display_en(), self.revenue.display_en()),
            });
        }
        if let (Some(loans), Some(liabilities)) = (self.outstanding_loans, self.total_liabilities)
            && loans > liabilities
        {
            out.push(Condition {
                kind: Implausibility::LoansAboveLiabilities,
                holds: Holds::Never,
                zh: format!("贷款余额 {}，负债总额 {}", loans.display_zh(), liabilities.display_zh()),
                en: format!("loans outstanding {}, total liabilities {}", loans.display_en(), liabilities.display_en()),
            });
        }
        let overdue_months = match self.overdue {
            Some(OverdueHistory::MonthsAgo { months }) => Some(months),
            _ => None,
        };
        if self.ever_borrowed == Some(false) && (stated(self.outstanding_loans) || overdue_months.is_some()) {
            out.push(Condition {
                kind: Implausibility::FirstLoanWithDebt,
                holds: Holds::Never,
                zh: format!(
                    "首贷户，贷款余额 {}，{}",
                    self.outstanding_loans.map_or_else(|| "未说明".to_owned(), Fen::display_zh),
                    overdue_months.map_or_else(|| "无逾期记录".to_owned(), |m| format!("{m} 个月前逾期"))
                ),
                en: format!(
                    "never borrowed, loans outstanding {}, {}",
                    self.outstanding_loans.map_or_else(|| "not stated".to_owned(), Fen::display_en),
                    overdue_months.map_or_else(|| "never overdue".to_owned(), |m| format!("overdue {m} months ago"))
                ),
            });
        }
        if let Some(months) = overdue_months {
            out.push(Condition {
                kind: Implausibility::OverdueBeforeFounding,
                holds: Holds::From(months_after(founded, u32::from(months))),
                zh: format!("成立于 {founded}，最近一次逾期在 {months} 个月前"),
                en: format!("founded on {founded}, last overdue {months} months ago"),
            });
        }
        if let Some(grade) = self.tax_credit_grade {
            let from = grade.plausible_from(founded);
            out.push(Condition {
                kind: Implausibility::GradeTooEarly,
                holds: Holds::From(from),
                zh: format!("成立于 {founded}，纳税信用 {}，最早 {from} 起可能", grade.label_zh()),
                en: format!("founded on {founded}, tax credit grade {}, possible from {from}", grade.label_en()),
            });
        }
        for q in self.qualification_list() {
            let from = q.plausible_from(founded);
            if from > founded {
                out.push(Condition {
                    kind: Implausibility::QualificationTooEarly,
                    holds: Holds::From(from),
                    zh: format!("成立于 {founded}，{}最早 {from} 起可能取得", q.label_zh()),
                    en: format!("founded on {founded}, {} possible from {from}", q.label_en()),
                });
            }
        }
        out
    }

    /// Every way this profile could not be true on `on` (for an application's snapshot: the day it was
    /// submitted); empty when it could.
    #[must_use]
    pub fn implausibilities(&self, on: NaiveDate) -> Vec<ProfileFlaw> {
        self.conditions()
            .into_iter()
            .filter(|c| match c.holds {
                Holds::From(day) => on < day,
                Holds::Never => true,
            })
            .map(|c| ProfileFlaw { kind: c.kind, detail_zh: c.zh, detail_en: c.en })
            .collect()
    }

    /// The first day this profile could be true (every rule holds from then on); `None` when its figures
    /// contradict each other whatever the day.
    #[must_use]
    pub fn plausible_from(&self) -> Option<NaiveDate> {
        self.conditions().iter().try_fold(self.established, |latest, c| match c.holds {
            Holds::From(day) => Some(latest.max(day)),
            Holds::Never => None,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{District, Division, Industry};

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    /// A plain firm founded on 2015-03-10 with no figure that any rule reads.
    fn firm() -> EnterpriseProfile {
        EnterpriseProfile {
            uscc: None,
            name: "测试".into(),
            district: District::new(Division::from_code(120_116).unwrap()).unwrap(),
            industry: Industry::Wholesale,
            sectors: Some(Vec::new()),
            established: day("2015-03-10"),
            registered_capital: None,
            employees: 5,
            revenue: Fen::ZERO,
            total_assets: None,
            total_liabilities: None,
            tax_credit_grade: None,
            tax_paid: None,
            qualifications: Some(Vec::new()),
            invention_patents: None,
            trademarks: None,
            copyrights: None,
            collateral: Vec::new(),
            receivables: None,
            procurement_contracts: None,
            outstanding_loans: None,
            ever_borrowed: None,
            overdue: None,
        }
    }

    fn kinds(p: &EnterpriseProfile, on: &str) -> Vec<Implausibility> {
        p.implausibilities(day(on)).into_iter().map(|f| f.kind).collect()
    }

    #[test]
    fn a_firm_founded_this_year_has_no_figures_for_last_year() {
        let mut p = firm();
        p.established = day("2026-10-23");
        assert!(kinds(&p, "2026-11-22").is_empty(), "zero revenue and no tax paid are its true figures");
        p.revenue = Fen::wan(43);
        assert_eq!(kinds(&p, "2026-11-22"), [Implausibility::FiguresBeforeFounding]);
        assert_eq!(kinds(&p, "2026-12-31"), [Implausibility::FiguresBeforeFounding]);
        assert!(kinds(&p, "2027-01-01").is_empty(), "from next year its revenue is last year's");
        p.revenue = Fen::ZERO;
        p.tax_paid = Some(Fen::ZERO);
        assert!(kinds(&p, "2026-11-22").is_empty());
        p.tax_paid = Some(Fen::wan(1));
        assert_eq!(kinds(&p, "2026-11-22"), [Implausibility::FiguresBeforeFounding, Implausibility::TaxAboveRevenue]);
        // Before its founding nothing about it is possible.
        assert!(kinds(&p, "2026-10-22").contains(&Implausibility::FoundedLater));
        assert_eq!(figures_plausible_from(day("2025-12-31")), day("2026-01-01"));
    }

    #[test]
    fn figures_that_contradict_each_other_are_never_plausible() {
        let mut p = firm();
        p.revenue = Fen::wan(100);
        p.tax_paid = Some(Fen::wan(101));
        p.total_liabilities = Some(Fen::wan(50));
        p.outstanding_loans = Some(Fen::wan(60));
        p.ever_borrowed = Some(false);
        assert_eq!(
            kinds(&p, "2030-01-01"),
            [Implausibility::TaxAboveRevenue, Implausibility::LoansAboveLiabilities, Implausibility::FirstLoanWithDebt]
        );
        assert_eq!(p.plausible_from(), None);
        p.tax_paid = Some(Fen::wan(100));
        p.outstanding_loans = Some(Fen::wan(50));
        p.ever_borrowed = Some(true);
        assert!(kinds(&p, "2030-01-01").is_empty(), "at the bounds");
        // A first-time borrower with no loans and no overdue record is fine; an overdue record is not.
        p.ever_borrowed = Some(false);
        p.outstanding_loans = Some(Fen::ZERO);
        p.overdue = Some(OverdueHistory::Never);
        assert!(kinds(&p, "2030-01-01").is_empty());
        p.overdue = Some(OverdueHistory::MonthsAgo { months: 3 });
        assert_eq!(kinds(&p, "2030-01-01"), [Implausibility::FirstLoanWithDebt]);
    }

    #[test]
    fn an_overdue_record_a_grade_and_titles_need_the_years_behind_them() {
        let mut p = firm();
        p.established = day("2024-06-15");
        p.overdue = Some(OverdueHistory::MonthsAgo { months: 30 });
        assert_eq!(kinds(&p, "2026-12-14"), [Implausibility::OverdueBeforeFounding]);
        assert!(kinds(&p, "2026-12-15").is_empty());
        p.overdue = None;

        // Founded mid-2024: 2025 is its first whole year, evaluated from 2026; A also needs 3 years.
        for (grade, from) in [
            (TaxCreditGrade::A, "2027-06-15"),
            (TaxCreditGrade::B, "2026-01-01"),
            (TaxCreditGrade::C, "2026-01-01"),
            (TaxCreditGrade::M, "2024-06-15"),
            (TaxCreditGrade::D, "2024-06-15"),
        ] {
            p.tax_credit_grade = Some(grade);
            assert_eq!(p.plausible_from(), Some(day(from)), "{grade}");
        }
        // Founded on January 1st, its founding year is a whole year.
        assert_eq!(TaxCreditGrade::B.plausible_from(day("2024-01-01")), day("2025-01-01"));
        p.tax_credit_grade = None;

        p.qualifications = Some(vec![Qualification::TechSme, Qualification::HighTech]);
        assert_eq!(kinds(&p, "2025-06-14"), [Implausibility::QualificationTooEarly]);
        assert!(kinds(&p, "2025-06-15").is_empty());
        p.qualifications = Some(vec![Qualification::Specialised, Qualification::LittleGiant]);
        assert_eq!(p.plausible_from(), Some(day("2027-06-15")));
        assert_eq!(kinds(&p, "2026-07-01"), [Implausibility::QualificationTooEarly]);
    }

    #[test]
    fn plausible_from_is_the_first_day_nothing_is_flagged() {
        let mut p = firm();
        p.established = day("2023-08-08");
        p.revenue = Fen::wan(300);
        p.tax_paid = Some(Fen::wan(9));
        p.tax_credit_grade = Some(TaxCreditGrade::A);
        p.qualifications = Some(vec![Qualification::HighTech]);
        p.overdue = Some(OverdueHistory::MonthsAgo { months: 5 });
        let from = p.plausible_from().unwrap();
        assert_eq!(from, day("2026-08-08"));
        assert!(p.implausibilities(from).is_empty());
        assert!(!p.implausibilities(from.pred_opt().unwrap()).is_empty());
        for flaw in p.implausibilities(day("2023-08-07")) {
            assert!(!flaw.detail_zh.is_empty() && !flaw.detail_en.is_empty());
        }
    }
}
