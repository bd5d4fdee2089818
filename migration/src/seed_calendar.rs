//! Seed rows of the working-day calendar for 2025 and 2026.
//!
//! Each row is `(date, kind, name, source)`: the ISO date, the kind as
//! `crate::domain::calendar::DayKind::as_str` spells it in the service (`holiday`, `compensatory`,
//! `day_off`, `working`), a short Vietnamese name and the legal basis or publication it rests on.
//! Rows are sorted by date, one per date.
//!
//! Only exceptions to the Monday-to-Friday week are rows: every weekday that civil servants are
//! off (public holidays under Labour Code 2019 Art. 112, compensatory days under Art. 111(3), and
//! weekdays swapped off by the government) and every Saturday declared a working day by a swap. A
//! holiday falling on a weekend is not a row (the weekend is already off); its compensatory weekday
//! is. So Sat 1 Feb 2025 (mùng 4 Tết Ất Tỵ) and Sun 26 Apr 2026 (Giỗ Tổ Hùng Vương) have no row.
//!
//! Lunar dates and the yearly swaps are decided by the government each year, so the calendar is an
//! admin-maintained table: a source that says "chưa đối chiếu văn bản gốc (unconfirmed)" was
//! seeded from press reports or memory and is to be checked against the original document.

/// The calendar's seed rows: `(date ISO 8601, kind, name, source)`, sorted by date.
pub const CALENDAR_SEED: &[(&str, &str, &str, &str)] = &[
    // 2025
    (
        "2025-01-01",
        "holiday",
        "Tết Dương lịch",
        "Bộ luật Lao động 2019, Điều 112",
    ),
    (
        "2025-01-27",
        "day_off",
        "Nghỉ hoán đổi (thứ Hai) dịp Tết Nguyên đán Ất Tỵ, làm bù thứ Bảy 08/02/2025",
        "Văn bản 8726/VPCP-KGVX ngày 26/11/2024 của Văn phòng Chính phủ (nghỉ Tết Ất Tỵ từ 25/01 đến hết 02/02/2025); chưa đối chiếu văn bản gốc (unconfirmed)",
    ),
    (
        "2025-01-28",
        "holiday",
        "Tết Nguyên đán Ất Tỵ (29 tháng Chạp)",
        "Bộ luật Lao động 2019, Điều 112; Văn bản 8726/VPCP-KGVX ngày 26/11/2024 của Văn phòng Chính phủ; chưa đối chiếu văn bản gốc (unconfirmed)",
    ),
    (
        "2025-01-29",
        "holiday",
        "Tết Nguyên đán Ất Tỵ (mùng 1 tháng Giêng)",
        "Bộ luật Lao động 2019, Điều 112; Văn bản 8726/VPCP-KGVX ngày 26/11/2024 của Văn phòng Chính phủ; chưa đối chiếu văn bản gốc (unconfirmed)",
    ),
    (
        "2025-01-30",
        "holiday",
        "Tết Nguyên đán Ất Tỵ (mùng 2 tháng Giêng)",
        "Bộ luật Lao động 2019, Điều 112; Văn bản 8726/VPCP-KGVX ngày 26/11/2024 của Văn phòng Chính phủ; chưa đối chiếu văn bản gốc (unconfirmed)",
    ),
    (
        "2025-01-31",
        "holiday",
        "Tết Nguyên đán Ất Tỵ (mùng 3 tháng Giêng)",
        "Bộ luật Lao động 2019, Điều 112; Văn bản 8726/VPCP-KGVX ngày 26/11/2024 của Văn phòng Chính phủ; chưa đối chiếu văn bản gốc (unconfirmed)",
    ),
    (
        "2025-02-08",
        "working",
        "Làm việc bù (thứ Bảy) cho ngày 27/01/2025",
        "Văn bản 8726/VPCP-KGVX ngày 26/11/2024 của Văn phòng Chính phủ (hoán đổi thứ Hai 27/01/2025 với thứ Bảy 08/02/2025); chưa đối chiếu văn bản gốc (unconfirmed)",
    ),
    (
        "2025-04-07",
        "holiday",
        "Giỗ Tổ Hùng Vương (10 tháng Ba âm lịch)",
        "Bộ luật Lao động 2019, Điều 112",
    ),
    (
        "2025-04-26",
        "working",
        "Làm việc bù (thứ Bảy) cho ngày 02/05/2025",
        "Thủ tướng đồng ý hoán đổi thứ Sáu 02/05/2025 với thứ Bảy 26/04/2025 (TTXVN/VietnamPlus, 4/2025); chưa đối chiếu văn bản gốc (unconfirmed)",
    ),
    (
        "2025-04-30",
        "holiday",
        "Ngày Chiến thắng (30/4)",
        "Bộ luật Lao động 2019, Điều 112",
    ),
    (
        "2025-05-01",
        "holiday",
        "Ngày Quốc tế Lao động (1/5)",
        "Bộ luật Lao động 2019, Điều 112",
    ),
    (
        "2025-05-02",
        "day_off",
        "Nghỉ hoán đổi (thứ Sáu) dịp 30/4 và 1/5, làm bù thứ Bảy 26/04/2025",
        "Thủ tướng đồng ý hoán đổi thứ Sáu 02/05/2025 với thứ Bảy 26/04/2025 (TTXVN/VietnamPlus, 4/2025); chưa đối chiếu văn bản gốc (unconfirmed)",
    ),
    (
        "2025-09-01",
        "holiday",
        "Quốc khánh (ngày liền kề trước 2/9)",
        "Bộ luật Lao động 2019, Điều 112 (ngày liền kề do Thủ tướng quyết định); Văn bản 8726/VPCP-KGVX ngày 26/11/2024 của Văn phòng Chính phủ; chưa đối chiếu văn bản gốc (unconfirmed)",
    ),
    (
        "2025-09-02",
        "holiday",
        "Quốc khánh (2/9)",
        "Bộ luật Lao động 2019, Điều 112",
    ),
    // 2026
    (
        "2026-01-01",
        "holiday",
        "Tết Dương lịch",
        "Bộ luật Lao động 2019, Điều 112",
    ),
    (
        "2026-01-02",
        "day_off",
        "Nghỉ hoán đổi (thứ Sáu) dịp Tết Dương lịch, làm bù thứ Bảy 10/01/2026",
        "Văn bản 12729/VPCP-KGVX ngày 25/12/2025 của Văn phòng Chính phủ (theo báo chí, 12/2025); chưa đối chiếu văn bản gốc (unconfirmed)",
    ),
    (
        "2026-01-10",
        "working",
        "Làm việc bù (thứ Bảy) cho ngày 02/01/2026",
        "Văn bản 12729/VPCP-KGVX ngày 25/12/2025 của Văn phòng Chính phủ (theo báo chí, 12/2025); chưa đối chiếu văn bản gốc (unconfirmed)",
    ),
    (
        "2026-02-16",
        "holiday",
        "Tết Nguyên đán Bính Ngọ (29 tháng Chạp)",
        "Bộ luật Lao động 2019, Điều 112; Thủ tướng đồng ý phương án nghỉ Tết Bính Ngọ của Bộ Nội vụ (congan.com.vn, vietnammedia.vnanet.vn, 10/2025)",
    ),
    (
        "2026-02-17",
        "holiday",
        "Tết Nguyên đán Bính Ngọ (mùng 1 tháng Giêng)",
        "Bộ luật Lao động 2019, Điều 112; Thủ tướng đồng ý phương án nghỉ Tết Bính Ngọ của Bộ Nội vụ (congan.com.vn, vietnammedia.vnanet.vn, 10/2025)",
    ),
    (
        "2026-02-18",
        "holiday",
        "Tết Nguyên đán Bính Ngọ (mùng 2 tháng Giêng)",
        "Bộ luật Lao động 2019, Điều 112; Thủ tướng đồng ý phương án nghỉ Tết Bính Ngọ của Bộ Nội vụ (congan.com.vn, vietnammedia.vnanet.vn, 10/2025)",
    ),
    (
        "2026-02-19",
        "holiday",
        "Tết Nguyên đán Bính Ngọ (mùng 3 tháng Giêng)",
        "Bộ luật Lao động 2019, Điều 112; Thủ tướng đồng ý phương án nghỉ Tết Bính Ngọ của Bộ Nội vụ (congan.com.vn, vietnammedia.vnanet.vn, 10/2025)",
    ),
    (
        "2026-02-20",
        "holiday",
        "Tết Nguyên đán Bính Ngọ (mùng 4 tháng Giêng)",
        "Bộ luật Lao động 2019, Điều 112; Thủ tướng đồng ý phương án nghỉ Tết Bính Ngọ của Bộ Nội vụ (congan.com.vn, vietnammedia.vnanet.vn, 10/2025)",
    ),
    (
        "2026-04-27",
        "compensatory",
        "Nghỉ bù Giỗ Tổ Hùng Vương (10/3 âm lịch, Chủ nhật 26/04/2026)",
        "Bộ luật Lao động 2019, Điều 111 khoản 3 và Điều 112; chưa đối chiếu văn bản gốc (unconfirmed)",
    ),
    (
        "2026-04-30",
        "holiday",
        "Ngày Chiến thắng (30/4)",
        "Bộ luật Lao động 2019, Điều 112",
    ),
    (
        "2026-05-01",
        "holiday",
        "Ngày Quốc tế Lao động (1/5)",
        "Bộ luật Lao động 2019, Điều 112",
    ),
    (
        "2026-08-22",
        "working",
        "Làm việc bù (thứ Bảy) cho ngày 31/08/2026",
        "Thủ tướng đồng ý phương án nghỉ lễ Quốc khánh 2026 của Bộ Nội vụ, hoán đổi thứ Hai 31/08/2026 với thứ Bảy 22/08/2026 (thanhnien.vn, 13/10/2025); chưa đối chiếu văn bản gốc (unconfirmed)",
    ),
    (
        "2026-08-31",
        "day_off",
        "Nghỉ hoán đổi (thứ Hai) dịp Quốc khánh, làm bù thứ Bảy 22/08/2026",
        "Thủ tướng đồng ý phương án nghỉ lễ Quốc khánh 2026 của Bộ Nội vụ, hoán đổi thứ Hai 31/08/2026 với thứ Bảy 22/08/2026 (thanhnien.vn, 13/10/2025); chưa đối chiếu văn bản gốc (unconfirmed)",
    ),
    (
        "2026-09-01",
        "holiday",
        "Quốc khánh (ngày liền kề trước 2/9)",
        "Bộ luật Lao động 2019, Điều 112 (ngày liền kề do Thủ tướng quyết định); phương án của Bộ Nội vụ được Thủ tướng đồng ý (thanhnien.vn, 13/10/2025); chưa đối chiếu văn bản gốc (unconfirmed)",
    ),
    (
        "2026-09-02",
        "holiday",
        "Quốc khánh (2/9)",
        "Bộ luật Lao động 2019, Điều 112",
    ),
];
