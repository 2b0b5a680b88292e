//! Tianjin's sixteen districts, the area the platform serves.

crate::labelled_enum! {
    /// A district of Tianjin (天津市辖区).
    pub enum District: "district" {
        Heping => "heping", "和平区", "Heping",
        Hedong => "hedong", "河东区", "Hedong",
        Hexi => "hexi", "河西区", "Hexi",
        Nankai => "nankai", "南开区", "Nankai",
        Hebei => "hebei", "河北区", "Hebei",
        Hongqiao => "hongqiao", "红桥区", "Hongqiao",
        Dongli => "dongli", "东丽区", "Dongli",
        Xiqing => "xiqing", "西青区", "Xiqing",
        Jinnan => "jinnan", "津南区", "Jinnan",
        Beichen => "beichen", "北辰区", "Beichen",
        Wuqing => "wuqing", "武清区", "Wuqing",
        Baodi => "baodi", "宝坻区", "Baodi",
        Ninghe => "ninghe", "宁河区", "Ninghe",
        Jinghai => "jinghai", "静海区", "Jinghai",
        Jizhou => "jizhou", "蓟州区", "Jizhou",
        Binhai => "binhai", "滨海新区", "Binhai New Area",
    }
}

impl District {
    /// The name without its 区 / 新区 suffix, as people say it: 滨海, 和平.
    #[must_use]
    pub fn short_zh(self) -> &'static str {
        let full = crate::Labelled::label_zh(self);
        full.strip_suffix("新区").or_else(|| full.strip_suffix('区')).unwrap_or(full)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Labelled;

    #[test]
    fn sixteen_districts_with_unique_names() {
        assert_eq!(District::ALL.len(), 16);
        let mut names: Vec<_> = District::ALL.iter().map(|d| d.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 16);
    }

    #[test]
    fn parses_machine_names_and_chinese() {
        assert_eq!(District::parse("binhai").unwrap(), District::Binhai);
        assert_eq!(District::parse("滨海新区").unwrap(), District::Binhai);
        assert_eq!(District::Binhai.short_zh(), "滨海");
        assert_eq!(District::Heping.short_zh(), "和平");
        assert!(District::parse("chaoyang").is_err());
    }
}
