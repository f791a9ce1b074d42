// Account-wide banners (spec §4): low balance, payment overdue (throttled), suspended.
import { Link } from "react-router";
import { Alert } from "#app/components/ui/alert.tsx";
import { SUSPEND_AFTER_DAYS } from "#app/domain/catalog.ts";
import { formatCents } from "#app/lib/format.ts";

export interface BannerData {
  lowBalance: boolean;
  balanceCents: number;
  nextMonthFeesCents: number;
  amountDueCents: number;
  overdue: boolean;
  suspended: boolean;
}

export function AccountBanners({ banners }: { banners: BannerData }) {
  return (
    <div className="mb-4 flex flex-col gap-2 empty:hidden">
      {banners.suspended ? (
        <Alert tone="danger">
          <span>
            <strong>Services suspended.</strong> {formatCents(banners.amountDueCents)} is overdue.{" "}
            <Link className="underline" to="/billing#deposit">
              Deposit to restore service
            </Link>
            .
          </span>
        </Alert>
      ) : banners.overdue ? (
        <Alert tone="danger">
          <span>
            <strong>Payment overdue: {formatCents(banners.amountDueCents)}.</strong> Your services run at half
            their guaranteed rate until it is paid, and are suspended after {SUSPEND_AFTER_DAYS} days.{" "}
            <Link className="underline" to="/billing#deposit">
              Deposit now
            </Link>
            .
          </span>
        </Alert>
      ) : null}
      {banners.lowBalance && !banners.overdue && !banners.suspended ? (
        <Alert tone="warning">
          <span>
            <strong>Low balance: {formatCents(banners.balanceCents)}.</strong>{" "}
            {banners.nextMonthFeesCents > banners.balanceCents
              ? `Next month's fees are ${formatCents(banners.nextMonthFeesCents)}. `
              : ""}
            <Link className="underline" to="/billing#deposit">
              Deposit funds
            </Link>{" "}
            to keep your services running.
          </span>
        </Alert>
      ) : null}
    </div>
  );
}
