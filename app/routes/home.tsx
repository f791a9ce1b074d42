import { Link } from "react-router";
import { TierTable } from "#app/components/tier-table.tsx";
import { buttonVariants } from "#app/components/ui/button.tsx";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "#app/components/ui/card.tsx";
import { SERVICES } from "#app/domain/catalog.ts";

export default function Home() {
  return (
    <div className="flex flex-col gap-10">
      <section className="pt-4">
        <h1 className="text-3xl font-semibold tracking-tight md:text-4xl">
          Sui infrastructure, self-served.
        </h1>
        <p className="mt-3 max-w-2xl text-zinc-600 dark:text-zinc-400">
          Suiftly runs Seal key servers and Sui gRPC endpoints for you. Sign in with your Sui wallet, fund an
          on-chain escrow in USDC, and configure services and API keys from one dashboard. No email, no
          password.
        </p>
        <div className="mt-6 flex flex-wrap gap-3">
          <Link to="/login" className={buttonVariants()}>
            Connect wallet
          </Link>
          <Link to="/dashboard" className={buttonVariants({ variant: "secondary" })}>
            Explore the dashboard
          </Link>
        </div>
      </section>
      <section aria-labelledby="services-title">
        <h2 id="services-title" className="mb-3 text-lg font-semibold">
          Services
        </h2>
        <div className="grid gap-4 md:grid-cols-3">
          {SERVICES.map((service) => (
            <Card key={service.type}>
              <CardHeader>
                <CardTitle>{service.name}</CardTitle>
                <CardDescription>{service.description}</CardDescription>
              </CardHeader>
              <CardContent className="text-sm text-muted">
                {service.available ? "Available now" : "Coming soon"}
              </CardContent>
            </Card>
          ))}
        </div>
      </section>
      <section aria-labelledby="pricing-title">
        <h2 id="pricing-title" className="mb-3 text-lg font-semibold">
          Pricing
        </h2>
        <TierTable />
      </section>
    </div>
  );
}
