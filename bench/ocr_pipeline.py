"""OCR pages/min through thuvien's pipeline against raw tesseract on the same pages, and the character error rate.

.venv/bin/python bench/ocr_pipeline.py [--pages 20] [--rounds 2] [--data-dir bench/out/data-ocr]

Pages are rendered from the known Vietnamese text below (A5 at 300 dpi, DejaVu Serif 12 pt). Raw: the
tesseract command on each page's PNG, hOCR and ALTO out, with the pipeline's options. Pipeline: the
OCR task of each page (the real code path: the master TIFF decoded and piped to tesseract, hOCR parsed,
the page row, the search outbox). Pages alternate raw/pipeline (ABBA) so a busy machine weighs on both;
each round's totals are printed and the best round counts. Wall time and CPU time (this process and its
children) are both measured: on a shared machine, wall time follows the load, CPU time much less. The
error rate is the Levenshtein distance over NFC characters (whitespace runs as one space) divided by the
reference length.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path

from _env import ROOT, setup

# Original prose in the manner of local-history (địa chí) documents, written for this benchmark.
PARAGRAPHS = [
    "Làng Phú Lộc nằm bên tả ngạn sông Đáy, cách thị trấn chừng bảy cây số. Theo lời các cụ cao niên, tổ "
    "tiên của dân làng vốn là những người đi khai hoang từ thời Lê sơ, dựng nhà trên những gò đất cao để "
    "tránh lũ. Đến nay, dấu vết của con đê cũ vẫn còn chạy dọc theo cánh đồng phía bắc, trên mặt đê trồng "
    "một hàng tre già.",
    "Đình làng được dựng lại vào năm Tự Đức thứ mười hai, gồm ba gian hai chái, mái lợp ngói mũi hài. Các "
    "đầu bẩy chạm rồng mây và hoa lá rất tinh xảo, là công trình của phường thợ mộc làng bên. Trong đình còn "
    "giữ được một bức hoành phi sơn son thếp vàng và bốn đôi câu đối ca ngợi công đức của vị thành hoàng.",
    "Hằng năm, vào ngày mười tháng Giêng âm lịch, dân làng mở hội rước nước từ giữa dòng sông về đình. Đoàn "
    "rước gồm kiệu bát cống, cờ ngũ sắc, phường bát âm và các cụ mặc áo the khăn xếp. Sau lễ tế là những "
    "trò chơi dân gian như đấu vật, kéo co, đánh đu và thi nấu cơm, thu hút đông đảo người xem từ các xã "
    "lân cận.",
    "Nghề truyền thống của làng là dệt chiếu cói. Cói được trồng ở vùng bãi bồi ven biển, cắt về phơi khô "
    "rồi chẻ nhỏ, nhuộm đỏ bằng nước vỏ cây. Tiếng khung cửi lách cách vang lên từ sáng sớm đến khuya. Chiếu "
    "hoa của làng từng được đem bán ở các chợ lớn trong vùng và theo thuyền buôn ra tận phố Hiến.",
    "Khí hậu nơi đây mang tính chất nhiệt đới gió mùa, mùa hạ nóng ẩm và mưa nhiều, mùa đông lạnh, ít mưa. "
    "Tháng bảy, tháng tám thường có bão, nước sông dâng cao làm ngập những cánh đồng trũng. Vì vậy người "
    "nông dân phải tính toán thời vụ rất kỹ, gieo mạ sớm để kịp gặt lúa trước mùa nước lớn.",
    "Chợ phiên họp vào các ngày mồng một, mồng sáu, mười một, mười sáu, hai mươi mốt và hai mươi sáu âm "
    "lịch. Người ta mang đến chợ gạo nếp, khoai lang, cá đồng, rau muống, nồi đất và đủ thứ hàng tạp hóa. "
    "Những gánh hàng rong nối nhau từ đầu cầu vào tận sân đình, tiếng mời chào rộn rã cả một góc trời.",
    "Trong kháng chiến, ngôi chùa cổ đầu làng từng là nơi cất giấu lương thực và che chở cho thương binh. "
    "Nhiều gia đình đã góp thóc, góp vải, tiễn con em lên đường nhập ngũ. Tấm bia đá dựng năm một nghìn "
    "chín trăm chín mươi lăm khắc tên ba mươi tư liệt sĩ của xã, đặt trang trọng trong khuôn viên nhà "
    "tưởng niệm.",
    "Món ăn đặc trưng của vùng là bánh đa cua và canh cá rô đồng nấu với rau cải. Ngày Tết, nhà nào cũng "
    "gói bánh chưng bằng lá dong, nhân đậu xanh và thịt lợn ba chỉ. Các bà, các mẹ còn làm mứt gừng, mứt bí "
    "và rang lạc để đãi khách đến chúc Tết. Hương vị ấy theo người con xa quê suốt cả cuộc đời.",
    "Gia phả họ Nguyễn Văn ghi rằng cụ tổ đời thứ nhất là một thầy đồ dạy chữ Hán, tính tình cương trực, "
    "được dân làng kính trọng. Đời thứ năm có ông đỗ tú tài khoa thi Hương năm Ất Dậu, sau về quê mở trường "
    "dạy học. Con cháu trong họ đến nay đã trải qua mười bốn đời, sinh sống ở nhiều tỉnh thành trong cả "
    "nước.",
    "Hệ thống kênh mương thủy lợi được đào đắp từ những năm sáu mươi của thế kỷ trước. Trạm bơm Cửa Đình có "
    "bốn máy bơm lớn, đưa nước từ sông vào tưới cho hơn năm trăm héc ta lúa. Nhờ đó, năng suất lúa tăng gấp "
    "đôi, nhiều hộ gia đình đã thoát nghèo và xây được nhà mái bằng.",
    "Ca dao của vùng có câu: Ai về bến nước Phú Lộc, nhớ mua chiếc chiếu hoa về cho em. Những câu hát đối "
    "đáp giữa trai gái trong đêm trăng, những điệu hò chèo thuyền trên sông, đã được các nhà nghiên cứu văn "
    "hóa dân gian ghi chép lại và xuất bản thành sách vào năm hai nghìn lẻ tám.",
    "Trường tiểu học của xã được xây dựng lại trên nền ngôi trường cũ, có mười hai phòng học, một thư viện "
    "và sân chơi rộng rãi. Thư viện có gần ba nghìn cuốn sách, trong đó có một tủ sách riêng về lịch sử và "
    "văn hóa địa phương. Các em học sinh thường đến đọc sách vào giờ ra chơi và sau buổi học.",
    "Dưới thời Pháp thuộc, làng thuộc tổng An Bình, phủ Yên Khánh. Sổ địa bạ năm Gia Long thứ tư cho biết "
    "làng có hơn chín trăm mẫu ruộng, phần lớn là ruộng công chia cho dân đinh cày cấy. Ngoài ra còn có "
    "ruộng hậu, ruộng chùa và một số đầm ao thả cá, hoa lợi dùng vào việc tế tự.",
    "Mùa thu, khi nước sông đã rút, cánh đồng phía nam làng vàng óng màu lúa chín. Trẻ con theo mẹ ra đồng "
    "mò cua, bắt ốc, chiều về lại thả diều trên bờ đê lộng gió. Ở đầu làng, cây đa cổ thụ tỏa bóng mát "
    "xuống giếng nước trong, nơi các cô gái vẫn ra gánh nước và trò chuyện.",
    "Văn bia ở nhà thờ họ Trần cho biết năm Cảnh Hưng thứ ba mươi, làng gặp nạn đói lớn. Các vị hào mục đã "
    "mở kho thóc cứu giúp dân nghèo, lại bỏ tiền đắp lại đoạn đê vỡ. Nhớ ơn ấy, dân làng lập bia ghi công "
    "và hằng năm vào ngày giỗ vẫn dâng hương tưởng niệm.",
    "Sông Đáy chảy qua địa phận xã dài chừng sáu cây số, lòng sông rộng, nước đục phù sa. Xưa kia, bến đò "
    "Phú Lộc là đầu mối giao thương quan trọng, thuyền buôn chở gạo, muối, nước mắm và vải vóc ngược xuôi "
    "tấp nập. Ngày nay, cây cầu bê tông đã thay cho chuyến đò ngang, nhưng người già vẫn gọi nơi ấy là bến "
    "cũ.",
    "Lễ cưới truyền thống gồm nhiều nghi thức: dạm ngõ, ăn hỏi, xin dâu và rước dâu. Nhà trai mang sang nhà "
    "gái cơi trầu, chè, rượu, bánh cốm và xôi gấc. Cô dâu mặc áo dài đỏ, đội khăn vấn, được rước về nhà "
    "chồng trong tiếng pháo và lời chúc phúc của bà con họ hàng.",
    "Về địa hình, đất đai của xã tương đối bằng phẳng, độ cao trung bình chỉ hơn hai mét so với mực nước "
    "biển. Thổ nhưỡng chủ yếu là đất phù sa được bồi đắp hằng năm, thích hợp cho việc trồng lúa nước, ngô, "
    "đậu tương và các loại rau màu. Phía đông có một dải đất pha cát trồng nhiều cây ăn quả.",
    "Tương truyền, vị thành hoàng của làng là một tướng quân thời Trần đã có công đánh giặc Nguyên. Khi đi "
    "qua vùng này, ông dạy dân đắp đê, khai mương và trồng dâu nuôi tằm. Sau khi ông mất, dân làng lập miếu "
    "thờ, các triều đại về sau đều ban sắc phong, hiện còn lưu giữ được bảy đạo.",
    "Năm hai nghìn hai mươi ba, thư viện tỉnh phối hợp với xã sưu tầm và số hóa các tư liệu quý của địa "
    "phương, gồm gia phả, hương ước, văn bia và sắc phong. Các bản số hóa được lưu giữ an toàn và đưa lên "
    "mạng để bạn đọc ở khắp nơi có thể tra cứu, góp phần gìn giữ và lan tỏa giá trị văn hóa của quê hương.",
]


def page_texts(count: int) -> list[str]:
    """Three paragraphs per page (about two thirds of an A5 page), a different combination on each."""
    n = len(PARAGRAPHS)
    return ["\n\n".join(PARAGRAPHS[(i + k) % n] for k in (0, 7, 13)) for i in range(count)]


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (tesseract), user and system."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def measured(run) -> tuple[float, float]:
    """Run RUN(); return its (wall, CPU) seconds."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    run()
    return time.perf_counter() - wall, cpu_seconds() - cpu


def raw_tesseract(png: Path, out_dir: Path, dpi: int) -> None:
    """Run tesseract on PNG exactly as the pipeline does (hOCR and ALTO, one thread)."""
    from django.conf import settings

    cmd = [settings.DIGITAL_TESSERACT, str(png), str(out_dir / png.stem), "-l", settings.DIGITAL_OCR_LANGUAGES,
           "--dpi", str(dpi), "hocr", "alto"]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True, env=dict(os.environ, OMP_THREAD_LIMIT="1"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / "out" / "data-ocr")
    args = parser.parse_args()
    # The OCR task runs in this process (django-tasks' immediate backend): the task's own code path,
    # without a worker's polling delay in the figure.
    os.environ["THUVIEN_TASK_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    setup(args.data_dir)

    from thuvien.digital import actions, ocr, storage
    from thuvien.digital.models import DigitalObject, Page, Stage
    from thuvien.digital.render import render_page
    from thuvien.digital.tasks import ocr_page_task
    from thuvien.network.models import Library

    if not ocr.tesseract_available():
        raise SystemExit("tesseract with the configured languages is not installed")
    version = subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    library = Library.objects.filter(code="VN-BENCH-OCR").first()
    if library is None:
        from thuvien.network.actions import add_library

        library = add_library("VN-BENCH-OCR", "Thư viện thử nhận dạng chữ", "provincial")

    texts = page_texts(args.pages)
    work = Path(tempfile.mkdtemp(prefix="ocr-bench-", dir=args.data_dir))
    obj = actions.create_object(library=library, actor=None, title="Địa chí làng Phú Lộc (thử nhận dạng)",
                                dc={"title": "Địa chí làng Phú Lộc"}, stage=Stage.SCANNED)  # fmt: skip
    pngs = []
    for seq, text in enumerate(texts, 1):
        image = render_page(text, dpi=args.dpi)
        png = work / f"{seq:04d}.png"
        image.write_to_file(str(png))
        pngs.append(png)
        storage.write_master(image, storage.master_path(obj.pk, seq))
        Page.objects.create(object=obj, seq=seq, label=str(seq), width=image.width, height=image.height,
                            source_type="image/png")  # fmt: skip
    DigitalObject.objects.filter(pk=obj.pk).update(page_count=len(texts))
    pages = list(Page.objects.filter(object=obj).order_by("seq"))
    size = f"{pages[0].width}×{pages[0].height}"
    load = os.getloadavg()[0]
    print(f"OCR: {len(pages)} A5 pages at {args.dpi} dpi ({size} px), {version}, -l "
          f"{os.environ.get('THUVIEN_OCR_LANGUAGES', 'vie')}, one thread, sequential; load average {load:.1f}")  # fmt: skip

    def pipeline(page) -> None:
        result = ocr_page_task.enqueue(page.pk, True)
        if result.return_value != "done":
            raise SystemExit(f"page {page.seq}: {Page.objects.get(pk=page.pk).ocr_error}")

    rounds = []  # per round: raw wall, pipeline wall, raw CPU, pipeline CPU
    for r in range(args.rounds):
        totals = [0.0, 0.0, 0.0, 0.0]
        for k, (png, page) in enumerate(zip(pngs, pages, strict=True)):
            # ABBA: neither side always runs first, so a change of load weighs on both.
            order = ("raw", "pipe") if (k + r) % 2 == 0 else ("pipe", "raw")
            for side in order:
                if side == "raw":
                    wall, cpu = measured(lambda png=png: raw_tesseract(png, work, args.dpi))
                    totals[0] += wall
                    totals[2] += cpu
                else:
                    wall, cpu = measured(lambda page=page: pipeline(page))
                    totals[1] += wall
                    totals[3] += cpu
        rounds.append(totals)
        raw_w, pipe_w, raw_c, pipe_c = totals
        print(f"  round {r + 1}: wall raw {raw_w:.1f} s, pipeline {pipe_w:.1f} s ({(pipe_w - raw_w) / raw_w * 100:+.1f}%); "
              f"CPU raw {raw_c:.1f} s, pipeline {pipe_c:.1f} s ({(pipe_c - raw_c) / raw_c * 100:+.1f}%)")  # fmt: skip
    raw_w, pipe_w = min(((t[0], t[1]) for t in rounds), key=sum)  # the quietest round, by each measure
    raw_cb, pipe_cb = min(((t[2], t[3]) for t in rounds), key=sum)

    # What the pipeline adds before tesseract: the master's full-resolution level decoded, made a plain TIFF.
    started = time.perf_counter()
    for page in pages:
        ocr.plain_image(storage.master_path(obj.pk, page.seq), work / "plain.tif")
    convert_ms = (time.perf_counter() - started) / len(pages) * 1000

    n = len(pages)
    print(f"raw tesseract (PNG file → hOCR + ALTO):     {n * 60 / raw_w:6.1f} pages/min wall ({raw_w / n:.2f} s/page), "
          f"{n * 60 / raw_cb:6.1f} pages/min of one core's CPU ({raw_cb / n:.2f} s/page)")  # fmt: skip
    print(f"pipeline (task → master → tesseract → DB):  {n * 60 / pipe_w:6.1f} pages/min wall ({pipe_w / n:.2f} s/page), "
          f"{n * 60 / pipe_cb:6.1f} pages/min of one core's CPU ({pipe_cb / n:.2f} s/page)")  # fmt: skip
    print(f"overhead: {(pipe_w - raw_w) / raw_w * 100:+.1f}% wall, {(pipe_cb - raw_cb) / raw_cb * 100:+.1f}% CPU "
          f"(goal ≤ 10%); master decode + plain TIFF: {convert_ms:.0f} ms/page")  # fmt: skip

    distance = length = 0
    worst = (0.0, 0)
    for page, text in zip(Page.objects.filter(object=obj).order_by("seq"), texts, strict=True):
        ref, hyp = ocr.cer_text(text), ocr.cer_text(page.text)
        d = ocr.edit_distance(ref, hyp)
        distance += d
        length += len(ref)
        worst = max(worst, (d / len(ref), page.seq))
    print(f"character error rate: {distance / length * 100:.2f}% overall ({distance} edits in {length} characters), "
          f"worst page {worst[0] * 100:.2f}% (page {worst[1]}) (goal ≤ 2%)")  # fmt: skip
    stage = DigitalObject.objects.get(pk=obj.pk).stage
    print(f"object #{obj.pk} moved to stage '{stage}' by the last page's task")


if __name__ == "__main__":
    main()
