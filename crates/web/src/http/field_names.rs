//! The names people read for the parameters and fields an error can name: `amount` is 金额 on a Chinese
//! page, "amount" in English, so a message never shows a Chinese reader a machine name. The JSON body still
//! carries the machine name in `field` for programs.

/// The Chinese and English name of a parameter or field, when it is one people meet in forms and links.
#[must_use]
pub fn of(field: &str) -> Option<(&'static str, &'static str)> {
    Some(match field {
        "q" => ("检索词", "search words"),
        "family" => ("产品类别", "product family"),
        "institution" | "institution_id" => ("金融机构", "institution"),
        "district" => ("区域", "district"),
        "collateral" => ("担保方式", "collateral"),
        "amount" => ("金额", "amount"),
        "term" => ("期限", "term"),
        "max_rate" => ("最高年利率", "highest rate"),
        "rate" => ("利率", "rate"),
        "online" => ("线上申请", "online"),
        "policy" => ("政策支持", "policy support"),
        "sort" => ("排序方式", "sort order"),
        "page" => ("页码", "page"),
        "per_page" => ("每页条数", "results per page"),
        "from" => ("起始日期", "start date"),
        "to" => ("截止日期", "end date"),
        "date" => ("日期", "date"),
        "year" => ("年份", "year"),
        "granularity" => ("统计周期", "period"),
        "state" => ("状态", "state"),
        "format" => ("文件格式", "file format"),
        "table" => ("表格", "table"),
        "scale" => ("企业规模", "enterprise scale"),
        "industry" => ("行业", "industry"),
        "product" | "product_id" => ("产品", "product"),
        "method" => ("还款方式", "repayment method"),
        "subsidised" => ("补贴", "subsidies"),
        "revenue" => ("上年营业收入", "last year's revenue"),
        "employees" => ("从业人数", "employees"),
        "purpose" => ("融资用途", "purpose"),
        "reason" => ("原因", "reason"),
        "loans" => ("放款笔数", "loans"),
        "limit" => ("条数", "limit"),
        "kind" => ("类型", "kind"),
        "name" => ("名称", "name"),
        "login" => ("登录名", "login"),
        "password" => ("密码", "password"),
        _ => return None,
    })
}

/// `amount` as a Chinese message names it: `金额`, or `参数 x` for a parameter people do not type.
#[must_use]
pub fn zh(field: &str) -> String {
    of(field).map_or_else(|| format!("参数 {field} "), |(zh, _)| zh.to_owned())
}

/// The same in English: `amount`, `start date`, or `parameter x`.
#[must_use]
pub fn en(field: &str) -> String {
    of(field).map_or_else(|| format!("parameter {field}"), |(_, en)| en.to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_fields_read_as_words() {
        assert_eq!(super::zh("amount"), "金额");
        assert_eq!(super::en("from"), "start date");
        assert_eq!(super::zh("x_y"), "参数 x_y ");
        assert!(!super::zh("per_page").is_ascii());
    }
}
