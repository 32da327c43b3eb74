-- A bag's detail in one statement (crates/db/src/detail.rs). Bags are filtered by
-- visibility::bags (every area: $2; the viewer's area $3 and bags of no area), so a
-- parent or child of another area is left out as if it did not exist; events by
-- visibility::events (the same, less refusals of no area, plus the viewer's own: $4).
SELECT jsonb_build_object(
  'bag', to_jsonb(b),
  'parent', (SELECT to_jsonb(p) FROM bag_link l JOIN bag p ON p.id = l.parent_id
             WHERE l.child_id = b.id AND ($2 OR p.dispatch_area IS NULL OR p.dispatch_area = $3)),
  'bill', (SELECT jsonb_build_object('id', bl.id, 'bill_number', bl.bill_number, 'status', bl.status)
           FROM bill_item bi JOIN bill bl ON bl.id = bi.bill_id WHERE bi.bag_id = b.id),
  'children', COALESCE((
      SELECT jsonb_agg(jsonb_build_object('child_id', c.id, 'qr_id', c.qr_id, 'linked_at', l.linked_at)
                       ORDER BY l.linked_at, l.child_id)
      FROM (SELECT l.child_id, l.linked_at FROM bag_link l JOIN bag c ON c.id = l.child_id
            WHERE l.parent_id = b.id AND ($2 OR c.dispatch_area IS NULL OR c.dispatch_area = $3)
            ORDER BY l.linked_at, l.child_id LIMIT $5) l
      JOIN bag c ON c.id = l.child_id), '[]'::jsonb),
  'children_total', CASE WHEN $2 THEN b.child_count ELSE (
      SELECT count(*) FROM bag_link l JOIN bag c ON c.id = l.child_id
      WHERE l.parent_id = b.id AND (c.dispatch_area IS NULL OR c.dispatch_area = $3)) END,
  'events', COALESCE((
      SELECT jsonb_agg(to_jsonb(e) ORDER BY e.id DESC)
      FROM (SELECT * FROM scan_event e
            WHERE (e.qr_id = b.qr_id OR e.parent_qr_id = b.qr_id)
              AND ($2 OR e.user_id = $4 OR (e.dispatch_area IS NULL AND NOT e.refused) OR e.dispatch_area = $3)
            ORDER BY e.id DESC LIMIT $6) e), '[]'::jsonb)
) AS detail
FROM bag b WHERE b.qr_id = $1
